import type { Kysely } from 'kysely'
import type { Database } from './database.js'

export type ChallengePurpose = 'registration' | 'authentication'

export interface ChallengeRecord {
  /** SHA-256 (hex) of the challenge. */
  challengeHash: string
  purpose: ChallengePurpose
  /** Null for a usernameless sign-in. */
  userId: string | null
  /** SHA-256 (hex) of the mfa_token this challenge answers, if any. */
  mfaTokenHash: string | null
  createdAt: number
  expiresAt: number
}

/** What a consumed challenge was issued for. */
export interface ConsumedChallenge {
  userId: string | null
  mfaTokenHash: string | null
}

export function createWebauthnChallengeQueries(db: Kysely<Database>) {
  return {
    async insert(challenge: ChallengeRecord): Promise<void> {
      await db
        .insertInto('webauthn_challenges')
        .values({
          challenge_hash: challenge.challengeHash,
          purpose: challenge.purpose,
          user_id: challenge.userId,
          mfa_token_hash: challenge.mfaTokenHash,
          created_at: challenge.createdAt,
          expires_at: challenge.expiresAt,
        })
        .execute()
    },

    /**
     * Uses up a live challenge of `purpose`: read it, then delete it with a conditional DELETE.
     * Only the request whose DELETE removed the row gets it back, so of two processes presenting
     * the same response at once exactly one proceeds. Undefined when the challenge is unknown,
     * used, expired or issued for another purpose.
     */
    async consume(challengeHash: string, purpose: ChallengePurpose, now: number): Promise<ConsumedChallenge | undefined> {
      const row = await db
        .selectFrom('webauthn_challenges')
        .select(['user_id', 'mfa_token_hash'])
        .where('challenge_hash', '=', challengeHash)
        .where('purpose', '=', purpose)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (!row) return undefined
      const deleted = await db
        .deleteFrom('webauthn_challenges')
        .where('challenge_hash', '=', challengeHash)
        .where('purpose', '=', purpose)
        .where('expires_at', '>', now)
        .executeTakeFirst()
      if (Number(deleted.numDeletedRows) !== 1) return undefined
      return { userId: row.user_id, mfaTokenHash: row.mfa_token_hash }
    },

    /** Deletes challenges past their expiry; how many. */
    async prune(now: number): Promise<number> {
      const result = await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type WebauthnChallengeQueries = ReturnType<typeof createWebauthnChallengeQueries>
