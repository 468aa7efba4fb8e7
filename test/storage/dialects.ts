/**
 * The databases the storage conformance suite runs against, as Kysely loops
 * its tests over DIALECTS. A server that is not reachable skips its dialect
 * with a message instead of failing, so a machine without them still passes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase, unavailable, type TestDatabase } from '../helpers/databases.js'

export interface DialectUnderTest {
  name: string
  /** Undefined when usable; else the skip message. */
  skip(): Promise<string | undefined>
  /** A fresh, empty database of this dialect. */
  create(): Promise<TestDatabase>
  /** SQL returning the session's statement timeout, or undefined where there is none. */
  statementTimeoutQuery?: string
}

export const DIALECTS: DialectUnderTest[] = [
  {
    name: 'sqlite',
    skip: async () => undefined,
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-storage-'))
      return { url: `sqlite:${join(dir, 'tessera.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
    },
  },
  {
    name: 'postgres',
    skip: () => unavailable('postgres'),
    create: () => createTestDatabase('postgres'),
    statementTimeoutQuery: 'show statement_timeout',
  },
  {
    name: 'mariadb',
    skip: () => unavailable('mysql'),
    create: () => createTestDatabase('mysql'),
    statementTimeoutQuery: 'select @@session.max_statement_time as timeout',
  },
]
