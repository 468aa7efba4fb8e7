// The client's hand-written wire types, held to the server's OpenAPI document: a field added to
// or dropped from a schema fails here until the client's type follows. (User and TokenResponse
// need no check: they are the server's own TypeBox `Static` types.) @see issue 20
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { PasswordChange, ProfileChanges, RegisterInput, Session } from '../../src/client/index.js'
import { api } from '../helpers/client.js'
import { startServer, type RunningServer } from '../helpers/server.js'

// `satisfies Record<keyof T, true>` fails to compile on a missing key and on an extra one.
const SESSION_FIELDS = { id: true, created_at: true, last_used_at: true, expires_at: true, ip: true, user_agent: true, current: true } satisfies Record<keyof Session, true>
const REGISTER_FIELDS = { email: true, password: true, username: true, full_name: true, locale: true } satisfies Record<keyof RegisterInput, true>
const PROFILE_FIELDS = { username: true, full_name: true, email: true, locale: true } satisfies Record<keyof ProfileChanges, true>
const PASSWORD_FIELDS = { current_password: true, new_password: true } satisfies Record<keyof PasswordChange, true>

type Schema = { properties?: Record<string, Schema>; items?: Schema; $ref?: string; required?: string[] }

describe('client types match /openapi.json', () => {
  let server: RunningServer
  let paths: Record<string, Record<string, any>>

  before(async () => {
    server = await startServer()
    paths = (await api(server.url, '/openapi.json')).body.paths
  })
  after(async () => {
    await server?.stop()
  })

  const body = (path: string, method: string): Schema => paths[path]![method]!.requestBody.content['application/json'].schema
  const keys = (fields: object) => Object.keys(fields).sort()

  it('Session is the items of GET /auth/sessions', () => {
    const list: Schema = paths['/auth/sessions']!.get.responses['200'].content['application/json'].schema
    assert.deepEqual(Object.keys(list.properties!.data!.items!.properties!).sort(), keys(SESSION_FIELDS))
  })

  it('PATCH /auth/me and PUT /auth/password bodies', () => {
    assert.deepEqual(Object.keys(body('/auth/me', 'patch').properties!).sort(), keys(PROFILE_FIELDS))
    assert.deepEqual(Object.keys(body('/auth/password', 'put').properties!).sort(), keys(PASSWORD_FIELDS))
  })

  it('RegisterInput has every field of POST /auth/register (and locale, which API.md lists)', () => {
    const fields = Object.keys(body('/auth/register', 'post').properties!)
    for (const field of fields) assert.ok(field in REGISTER_FIELDS, `RegisterInput lacks ${field}`)
    for (const field of Object.keys(REGISTER_FIELDS)) assert.ok(fields.includes(field) || field === 'locale', `RegisterInput has ${field}, the server does not`)
  })
})
