import type { Kysely, Migration } from 'kysely'
import type { Capabilities } from '../connect.js'

/** Signing keys kept in the database so that every instance agrees on them (issue 5, rotation). */
export function createSigningKeys(_capabilities: Capabilities): Migration {
  return {
    async up(_db: Kysely<any>) {},
    async down(_db: Kysely<any>) {},
  }
}
