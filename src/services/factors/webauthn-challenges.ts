import { createHash } from 'node:crypto'
import { AppError } from '../../errors.js'
import type { Storage } from '../../storage/index.js'
import type { ChallengePurpose, ConsumedChallenge } from '../../storage/webauthn-challenges.js'

/** API.md: challenges expire after 5 minutes. Also the `timeout` the options give the browser. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex')

/** A challenge that a response carried and that was still live: what it was issued for. */
export interface ConsumedCeremony extends ConsumedChallenge {
  /** The challenge itself (base64url), for the library's `expectedChallenge`. */
  challenge: string
}

export interface WebauthnChallenges {
  /** Remembers a challenge the options just handed out (only its hash is stored). */
  remember(challenge: string, purpose: ChallengePurpose, link: { userId: string | null; mfaTokenHash: string | null }): Promise<void>
  /**
   * Uses up the challenge a response's clientDataJSON carries. Single use, across processes
   * (one conditional DELETE in storage). Anything else (no readable clientDataJSON, an unknown,
   * used or expired challenge, one of another purpose) is `passkey_invalid`.
   */
  consume(clientDataJSON: string, purpose: ChallengePurpose): Promise<ConsumedCeremony>
  prune(): Promise<number>
}

export function passkeyInvalid(detail: string, subjectId?: string): AppError {
  return new AppError('passkey_invalid', detail, subjectId === undefined ? {} : { subjectId })
}

/** The `challenge` member of a base64url clientDataJSON, or undefined when it is not one. */
function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'))
    const challenge = (data as { challenge?: unknown } | null)?.challenge
    return typeof challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(challenge) ? challenge : undefined
  } catch {
    return undefined
  }
}

export function createWebauthnChallenges(deps: { storage: Storage; now: () => number }): WebauthnChallenges {
  const { storage, now } = deps
  return {
    async remember(challenge, purpose, link) {
      const at = now()
      await storage.webauthnChallenges.insert({ challengeHash: sha256Hex(challenge), purpose, userId: link.userId, mfaTokenHash: link.mfaTokenHash, createdAt: at, expiresAt: at + CHALLENGE_TTL_MS })
    },

    async consume(clientDataJSON, purpose) {
      const challenge = challengeOf(clientDataJSON)
      if (challenge === undefined) throw passkeyInvalid('The response carries no readable challenge')
      const consumed = await storage.webauthnChallenges.consume(sha256Hex(challenge), purpose, now())
      if (!consumed) throw passkeyInvalid('The challenge is unknown, already used or expired; ask for new options')
      return { ...consumed, challenge }
    },

    prune: () => storage.webauthnChallenges.prune(now()),
  }
}
