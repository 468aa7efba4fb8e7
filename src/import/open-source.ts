import { readFileSource } from './file-sources.js'
import type { Source, SourceSpec, SqlSelection } from './source.js'
import { readMysqlSource, readPostgresSource, readSqliteSource } from './sql-sources.js'

/** Opens the source and reads its column names; an ImportError (`source_unreadable`) when it cannot. */
export function openSource(spec: SourceSpec, selection: SqlSelection): Promise<Source> {
  switch (spec.kind) {
    case 'sqlite':
      return readSqliteSource(spec.path, selection)
    case 'postgres':
      return readPostgresSource(spec.url, selection)
    case 'mysql':
      return readMysqlSource(spec.url, selection)
    default:
      return readFileSource(spec.kind, spec.path)
  }
}
