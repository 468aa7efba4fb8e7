import type { Kysely, Migration } from 'kysely'

/**
 * `refresh_tokens.parent_id`: the token a rotated token replaced. Unique, so a token has at
 * most one successor and a session one chain, whatever the code above does (issue 14,
 * finding 3); NULL for the first token of a session (every database allows many NULLs in a
 * unique index). A repeat inside the grace window follows these links to the chain's tip.
 */
export function createRefreshTokenChain(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('refresh_tokens').addColumn('parent_id', 'varchar(36)').execute()
      await db.schema.createIndex('refresh_tokens_parent_id').on('refresh_tokens').column('parent_id').unique().execute()
    },

    async down(db: Kysely<any>) {
      await db.schema.dropIndex('refresh_tokens_parent_id').on('refresh_tokens').execute()
      await db.schema.alterTable('refresh_tokens').dropColumn('parent_id').execute()
    },
  }
}
