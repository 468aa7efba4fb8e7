import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely'

/**
 * A query built with Kysely once and kept as SQL, each call putting its own values in.
 *
 * Building a query (the expression builder, then the compiler's visitors) costs more
 * JavaScript than SQLite takes to answer a lookup by key: on the hot paths (refresh,
 * `GET /auth/me`, login) it was a third of the request (docs/performance.md, issue 19). The
 * statement is compiled with a marker string standing for each named value, and each call
 * maps the compiled parameters back to the values given. The SQL text never changes, so the
 * driver's prepared-statement cache (statement-cache.ts) also hits.
 *
 * Only for queries whose shape does not depend on the values: a fixed number of parameters,
 * no `in (…)` of a varying list. Values are bound as parameters, never spliced into SQL.
 *
 * @example
 * ```ts
 * const findToken = compiledQuery(db, ['id'], (v) => db.selectFrom('refresh_tokens').selectAll().where('id', '=', v.id))
 * const { rows } = await findToken(db, { id })
 * ```
 */
export function compiledQuery<Names extends string, Row, DB>(
  db: Kysely<DB>,
  names: readonly Names[],
  /** `values` holds stand-ins typed `never`, so each fits any column; the build never sees real values. */
  build: (values: Record<Names, never>) => Compilable<Row>,
): (executor: Kysely<DB>, values: Record<Names, unknown>) => Promise<QueryResult<Row>> {
  const markers = Object.fromEntries(names.map((name) => [name, `\u0000tessera:${name}\u0000`])) as Record<Names, string>
  const nameOfMarker = new Map<unknown, Names>(names.map((name) => [markers[name], name]))
  let compiled: CompiledQuery<Row> | undefined
  let slots: (Names | undefined)[] = []
  return (executor, values) => {
    if (compiled === undefined) {
      compiled = build(markers as Record<Names, never>).compile()
      slots = compiled.parameters.map((parameter) => nameOfMarker.get(parameter))
      const missing = names.filter((name) => !slots.includes(name))
      if (missing.length > 0) throw new TypeError(`compiledQuery: ${missing.join(', ')} not bound as a parameter`)
    }
    const fixed = compiled.parameters
    const parameters = slots.map((slot, i) => (slot === undefined ? fixed[i] : values[slot]))
    // A transaction (`trx`) runs the same SQL on its own connection.
    return executor.executeQuery<Row>({ ...compiled, parameters })
  }
}
