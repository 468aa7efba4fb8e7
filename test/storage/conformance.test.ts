/**
 * One storage suite, run against every dialect in DIALECTS (SQLite file,
 * PostgreSQL, MariaDB): every query function of src/storage must behave the
 * same on each. Every dialect gets its own fresh database, dropped at the end.
 */
import { after, before, describe } from 'node:test'
import { openStorage, type Storage } from '../../src/storage/index.js'
import type { TestDatabase } from '../helpers/databases.js'
import { DIALECTS } from './dialects.js'
import { describeMigrations } from './cases/migrations.js'
import { describeRevocations } from './cases/revocations.js'
import { describeSessions } from './cases/sessions.js'
import { describeSettings } from './cases/settings.js'
import { describeSigningKeys } from './cases/signing-keys.js'
import { describeUsers } from './cases/users.js'
import { describeMail } from './cases/mail.js'
import { describeMfa } from './cases/mfa.js'
import { describePasskeys } from './cases/passkeys.js'
import type { Suite } from './cases/suite.js'

for (const dialect of DIALECTS) {
  const skip = await dialect.skip()
  if (skip) console.log(`storage conformance on ${dialect.name}: skipped: ${skip}`)

  describe(`storage conformance on ${dialect.name}`, { skip: skip ?? false }, () => {
    let database: TestDatabase | undefined
    let storage: Storage | undefined
    const suite: Suite = {
      dialect,
      get url() {
        return database!.url
      },
      get storage() {
        return storage!
      },
    }
    before(async () => {
      database = await dialect.create()
      storage = await openStorage(database.url)
    })
    after(async () => {
      await storage?.close()
      await database?.drop()
    })

    describeMigrations(suite)
    describeUsers(suite)
    describeMail(suite)
    describeMfa(suite)
    describeSessions(suite)
    describeRevocations(suite)
    describeSettings(suite)
    describeSigningKeys(suite)
    describePasskeys(suite)
  })
}
