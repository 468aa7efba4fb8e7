import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { UniqueViolation, type NewUser } from '../../../src/storage/users.js'
import { T0, uniqueId, type Suite } from './suite.js'

/** A user whose email, username and id no other case uses. */
function newUser(overrides: Partial<NewUser> = {}): NewUser {
  const tag = uniqueId().slice(0, 8)
  return {
    id: uniqueId(),
    email: `user-${tag}@example.test`,
    username: `User_${tag}`,
    fullName: 'Ada Lovelace',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    roles: [],
    active: true,
    now: T0,
    ...overrides,
  }
}

export function describeUsers(suite: Suite): void {
  describe('users', () => {
    it('insert then findById returns every field, with numbers as numbers and roles parsed', async () => {
      const user = newUser({ roles: ['admin', 'auditor'] })
      await suite.storage.users.insert(user)
      const found = await suite.storage.users.findById(user.id)
      assert.deepEqual(found, {
        id: user.id,
        email: user.email,
        username: user.username,
        fullName: user.fullName,
        passwordHash: user.passwordHash,
        roles: ['admin', 'auditor'],
        active: true,
        createdAt: T0,
        updatedAt: T0,
        lastLoginAt: null,
        mfa: { totp: false, passkeys: 0 },
        emailVerified: false,
        pendingEmail: null,
        locale: null,
      })
    })

    it('findByEmail matches the stored (lower-cased) email exactly', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      assert.equal((await suite.storage.users.findByEmail(user.email!))?.id, user.id)
      assert.equal(await suite.storage.users.findByEmail(user.email!.toUpperCase()), undefined)
    })

    it('findByUsername ignores case', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      assert.equal((await suite.storage.users.findByUsername(user.username!.toUpperCase()))?.id, user.id)
      assert.equal((await suite.storage.users.findByUsername(user.username!.toLowerCase()))?.id, user.id)
    })

    it('findById of an unknown id is undefined', async () => {
      assert.equal(await suite.storage.users.findById(uniqueId()), undefined)
    })

    it('a second user with the same email gets UniqueViolation', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      await assert.rejects(suite.storage.users.insert(newUser({ email: user.email })), UniqueViolation)
    })

    it('a second user with the same username in another case gets UniqueViolation', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      await assert.rejects(suite.storage.users.insert(newUser({ username: user.username!.toUpperCase() })), UniqueViolation)
    })

    // MySQL's default collations would call these equal; the tables use a binary one.
    it('usernames differing only in accents are distinct users', async () => {
      const tag = uniqueId().slice(0, 8)
      await suite.storage.users.insert(newUser({ username: `jose${tag}` }))
      await suite.storage.users.insert(newUser({ username: `josé${tag}` }))
      assert.equal((await suite.storage.users.findByUsername(`josé${tag}`))?.username, `josé${tag}`)
    })

    it('many users may have no username', async () => {
      await suite.storage.users.insert(newUser({ username: null }))
      await suite.storage.users.insert(newUser({ username: null }))
    })

    it('update changes only the given fields and moves updated_at', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      const username = `Renamed_${uniqueId().slice(0, 8)}`
      await suite.storage.users.update(user.id, { username, fullName: null, roles: ['admin'], active: false, passwordHash: 'new-hash' }, T0 + 5)
      const found = await suite.storage.users.findById(user.id)
      assert.equal(found?.email, user.email)
      assert.equal(found?.username, username)
      assert.equal(found?.fullName, null)
      assert.deepEqual(found?.roles, ['admin'])
      assert.equal(found?.active, false)
      assert.equal(found?.passwordHash, 'new-hash')
      assert.equal(found?.updatedAt, T0 + 5)
      assert.equal((await suite.storage.users.findByUsername(username.toLowerCase()))?.id, user.id)
      assert.equal(await suite.storage.users.findByUsername(user.username!), undefined)
    })

    it('update to a username of null frees the old one', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      await suite.storage.users.update(user.id, { username: null }, T0 + 1)
      assert.equal((await suite.storage.users.findById(user.id))?.username, null)
      await suite.storage.users.insert(newUser({ username: user.username }))
    })

    it("update to another user's email, or username in another case, gets UniqueViolation", async () => {
      const first = newUser()
      const second = newUser()
      await suite.storage.users.insert(first)
      await suite.storage.users.insert(second)
      await assert.rejects(suite.storage.users.update(second.id, { email: first.email }, T0 + 1), UniqueViolation)
      await assert.rejects(suite.storage.users.update(second.id, { username: first.username!.toUpperCase() }, T0 + 1), UniqueViolation)
      assert.equal((await suite.storage.users.findById(second.id))?.email, second.email)
    })

    it('touchLogin records the last login time', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      await suite.storage.users.touchLogin(user.id, T0 + 99)
      assert.equal((await suite.storage.users.findById(user.id))?.lastLoginAt, T0 + 99)
    })

    it('delete answers true once, then false', async () => {
      const user = newUser()
      await suite.storage.users.insert(user)
      assert.equal(await suite.storage.users.delete(user.id), true)
      assert.equal(await suite.storage.users.findById(user.id), undefined)
      assert.equal(await suite.storage.users.delete(user.id), false)
    })

    it('countActiveAdmins counts active users holding exactly the admin role', async () => {
      const before = await suite.storage.users.countActiveAdmins()
      assert.equal(typeof before, 'number')
      await suite.storage.users.insert(newUser({ roles: ['admin'] }))
      await suite.storage.users.insert(newUser({ roles: ['auditor', 'admin'] }))
      await suite.storage.users.insert(newUser({ roles: ['admin'], active: false }))
      await suite.storage.users.insert(newUser({ roles: ['superadmin', 'admins'] }))
      assert.equal(await suite.storage.users.countActiveAdmins(), before + 2)
    })

    describeUserList(suite)
  })
}

function describeUserList(suite: Suite): void {
  describe('list', () => {
    // Every list case searches for this marker, so users made by other cases never count.
    const marker = `lst${uniqueId().slice(0, 6)}`
    const at = (n: number) => T0 + n * 1000
    const people = [
      newUser({ email: `${marker}-a@example.test`, username: `${marker}_Alpha`, fullName: 'Zoë Alpha', roles: ['admin'], now: at(1) }),
      newUser({ email: `${marker}-b@example.test`, username: null, fullName: `100% ${marker} Sure`, now: at(2) }),
      newUser({ email: `${marker}-c@example.test`, username: `${marker}xBeta`, fullName: null, active: false, now: at(3) }),
      newUser({ email: `${marker}-d!@example.test`, username: null, fullName: `MIXED ${marker} Case`, roles: ['auditor'], now: at(4) }),
    ]
    const emails = (result: { users: Array<{ email: string | null }> }) => result.users.map((user) => user.email)
    const list = (filter: Partial<Parameters<Suite['storage']['users']['list']>[0]>) =>
      suite.storage.users.list({ limit: 100, offset: 0, ...filter })

    it('setup: four users to search', async () => {
      for (const person of people) await suite.storage.users.insert(person)
    })

    it('q matches a substring of email, username or full name, oldest first, with the total', async () => {
      const result = await list({ q: marker })
      assert.deepEqual(emails(result), people.map((p) => p.email))
      assert.equal(result.total, 4)
      assert.equal(typeof result.total, 'number')
    })

    it('q ignores case in every column', async () => {
      assert.deepEqual(emails(await list({ q: `mixed ${marker.toUpperCase()}` })), [people[3]!.email])
      assert.deepEqual(emails(await list({ q: `${marker}_ALPHA` })), [people[0]!.email])
    })

    it('q takes % and _ literally', async () => {
      assert.deepEqual(emails(await list({ q: `100% ${marker}` })), [people[1]!.email])
      assert.deepEqual(emails(await list({ q: `${marker}_` })), [people[0]!.email])
      assert.deepEqual(emails(await list({ q: `%${marker}` })), [])
    })

    it('q takes the escape character ! literally', async () => {
      assert.deepEqual(emails(await list({ q: `${marker}-d!` })), [people[3]!.email])
      assert.deepEqual(emails(await list({ q: `${marker}-a!` })), [])
    })

    it('active filters on the flag', async () => {
      assert.deepEqual(emails(await list({ q: marker, active: false })), [people[2]!.email])
      assert.equal((await list({ q: marker, active: true })).total, 3)
    })

    it('role filters on a whole role name', async () => {
      assert.deepEqual(emails(await list({ q: marker, role: 'admin' })), [people[0]!.email])
      assert.deepEqual(emails(await list({ q: marker, role: 'audit' })), [])
      // `_` is a LIKE wildcard: a role a_b must not find a user holding axb.
      assert.deepEqual(emails(await list({ q: marker, role: 'audit_r' })), [])
    })

    it('limit and offset page through in a stable order while the total stays whole', async () => {
      const first = await list({ q: marker, limit: 2, offset: 0 })
      const second = await list({ q: marker, limit: 2, offset: 2 })
      const beyond = await list({ q: marker, limit: 2, offset: 4 })
      assert.deepEqual([...emails(first), ...emails(second)], people.map((p) => p.email))
      assert.deepEqual([first.total, second.total, beyond.total], [4, 4, 4])
      assert.deepEqual(emails(beyond), [])
    })
  })
}
