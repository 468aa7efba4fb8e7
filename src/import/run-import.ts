import { v7 as uuidv7 } from 'uuid'
import type { Services } from '../services/index.js'
import { passwordLength } from '../services/passwords.js'
import { usernameKey } from '../domain/identifiers.js'
import { createUserQueries, UniqueViolation, type NewUser } from '../storage/users.js'
import type { Mapping } from './mapping.js'
import { normalizeRow, type ImportCandidate, type PasswordMode } from './normalize-row.js'
import { createReport, recordImported, recordSkipped, type ImportReport } from './report.js'
import type { Source, SourceRow } from './source.js'
import { textValue } from './values.js'

export interface ImportOptions {
  mapping: Mapping
  passwords: PasswordMode
  /** Everything but the writes (and but the hashing of plaintext passwords, which only a write needs). */
  dryRun: boolean
  /** Users written per transaction. */
  batchSize?: number
}

/** A row that passed every check, waiting for its batch to be written. */
interface Pending {
  row: number
  id: string | null
  candidate: ImportCandidate
}

const DEFAULT_BATCH_SIZE = 500

/** The source's own `id` column, when it has one, so a skipped row can be found again there. */
function sourceId(row: SourceRow): string | null {
  // A MongoDB export's key is `_id` (`{"$oid": …}`).
  return textValue(row.id ?? row._id) ?? null
}

/** `work` over `items`, at most `limit` at a time, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/**
 * Imports the source's rows through Tessera's own storage queries: each row
 * normalised as registration would, skipped when invalid, in an unknown hash
 * format, or taken (an email or username already in Tessera or earlier in the
 * source; existing users are never overwritten, so a second run imports
 * nothing new). Plaintext passwords are hashed with argon2id on the password
 * worker pool before anything is written. Users are written `batchSize` to a
 * transaction; a batch that meets a user created meanwhile is retried row by row.
 */
export async function runImport(services: Services, source: Source, options: ImportOptions): Promise<ImportReport> {
  const { storage, passwords, config } = services
  const report = createReport(source.description, options.mapping, options.passwords, options.dryRun)
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  // Enough hashes in flight to keep every worker busy, never past the hasher's own queue bound.
  const hashLimit = Math.max(1, Math.min(config.hashConcurrency * 2, config.hashConcurrency + config.hashQueueLimit))
  const now = services.now()
  const seenEmails = new Map<string, number>()
  const seenUsernames = new Map<string, number>()
  let batch: Pending[] = []

  async function duplicateOf(candidate: ImportCandidate): Promise<string | undefined> {
    const key = candidate.username === null ? undefined : usernameKey(candidate.username)
    const earlierEmail = candidate.email === null ? undefined : seenEmails.get(candidate.email)
    if (earlierEmail !== undefined) return `the email is also on row ${earlierEmail}`
    const earlierUsername = key === undefined ? undefined : seenUsernames.get(key)
    if (earlierUsername !== undefined) return `the username is also on row ${earlierUsername}`
    if (candidate.email !== null && (await storage.users.findByEmail(candidate.email))) return 'a Tessera user has this email'
    if (candidate.username && (await storage.users.findByUsername(candidate.username))) return 'a Tessera user has this username'
    return undefined
  }

  async function toNewUser({ candidate }: Pending): Promise<NewUser> {
    const passwordHash = candidate.password.kind === 'hash' ? candidate.password.hash : await passwords.hash(candidate.password.plaintext)
    return {
      id: uuidv7(),
      email: candidate.email,
      username: candidate.username,
      fullName: candidate.fullName,
      passwordHash,
      roles: candidate.roles,
      active: candidate.active,
      now: candidate.createdAt,
    }
  }

  async function write(pending: Pending[]): Promise<void> {
    const users = await mapLimit(pending, hashLimit, toNewUser)
    try {
      await storage.db.transaction().execute(async (transaction) => {
        const queries = createUserQueries(transaction)
        for (const user of users) await queries.insert(user)
      })
      pending.forEach(imported)
    } catch (error) {
      if (!(error instanceof UniqueViolation)) throw error
      // Someone registered one of these users while we ran: write the batch row by row to find which.
      for (const [index, user] of users.entries()) {
        try {
          await storage.users.insert(user)
          imported(pending[index]!)
        } catch (rowError) {
          if (!(rowError instanceof UniqueViolation)) throw rowError
          const { row, id, candidate } = pending[index]!
          recordSkipped(report, { row, id, status: 'skipped_duplicate', reason: 'a Tessera user took this email or username during the import', email: candidate.email })
        }
      }
    }
  }

  function imported({ candidate }: Pending): void {
    recordImported(report, candidate.password.kind === 'hash' ? candidate.password.format : 'plaintext')
  }

  async function flush(): Promise<void> {
    const pending = batch
    batch = []
    if (pending.length === 0) return
    if (options.dryRun) pending.forEach(imported)
    else await write(pending)
  }

  let index = 0
  for (const sourceRow of source.rows) {
    index++
    report.rows++
    const id = sourceId(sourceRow)
    const outcome = normalizeRow(sourceRow, options.mapping, options.passwords, now)
    if ('skip' in outcome) {
      recordSkipped(report, { row: index, id, ...outcome.skip, email: outcome.skip.email ?? null })
      continue
    }
    const { candidate } = outcome
    const duplicate = await duplicateOf(candidate)
    if (duplicate !== undefined) {
      recordSkipped(report, { row: index, id, status: 'skipped_duplicate', reason: duplicate, email: candidate.email })
      continue
    }
    if (candidate.email !== null) seenEmails.set(candidate.email, index)
    if (candidate.username) seenUsernames.set(usernameKey(candidate.username), index)
    if (candidate.password.kind === 'plaintext') {
      const length = passwordLength(candidate.password.plaintext)
      if (length > 128) {
        report.warnings.push({ row: index, id, email: candidate.email, message: `plaintext password of ${length} characters: login accepts 1 to 128, so this user needs a new one (tessera users set-password)` })
      } else if (length < 8) {
        report.warnings.push({ row: index, id, email: candidate.email, message: `plaintext password of ${length} characters: below the policy of 8, so each login answers password_change_required until the user sets a new one` })
      }
    }
    batch.push({ row: index, id, candidate })
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  return report
}
