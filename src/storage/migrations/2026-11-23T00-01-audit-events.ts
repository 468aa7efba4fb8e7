import type { Kysely, Migration } from 'kysely'
import type { Capabilities } from '../connect.js'

/** The audit log of security events (issue 7). */
export function createAuditEvents(_capabilities: Capabilities): Migration {
  return {
    async up(_db: Kysely<any>) {},
    async down(_db: Kysely<any>) {},
  }
}
