import { sql, type Kysely, type Migration } from 'kysely'
import type { Capabilities } from '../dialects/types.js'

/**
 * The audit log of security events (issue 7): who did what to whom, from where.
 * Append-only; pruned by age (AUDIT_RETENTION). No foreign keys: events outlive
 * the users and sessions they name.
 */
export function createAuditEvents(capabilities: Capabilities): Migration {
  return {
    async up(db: Kysely<any>) {
      const builder = db.schema.createTable('audit_events')
      await (capabilities.tableOptions ? builder.modifyEnd(sql.raw(capabilities.tableOptions)) : builder)
        .addColumn('id', capabilities.autoIncrement === 'serial-type' ? 'bigserial' : 'integer', (c) =>
          capabilities.autoIncrement === 'modifier' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'varchar(48)', (c) => c.notNull())
        .addColumn('reason', 'varchar(48)')
        .addColumn('actor_id', 'varchar(36)')
        .addColumn('target_id', 'varchar(36)')
        .addColumn('ip', 'varchar(64)')
        .addColumn('user_agent', 'varchar(512)')
        .addColumn('request_id', 'varchar(64)')
        .addColumn('details', 'varchar(2048)')
        .execute()
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute()
      await db.schema.createIndex('audit_events_type_at').on('audit_events').columns(['type', 'at']).execute()
      await db.schema.createIndex('audit_events_actor_id').on('audit_events').column('actor_id').execute()
      await db.schema.createIndex('audit_events_target_id').on('audit_events').column('target_id').execute()
    },

    async down(db: Kysely<any>) {
      await db.schema.dropTable('audit_events').execute()
    },
  }
}
