/**
 * One request per error code that provokes it on a real server (PocketBase's ApiScenario tables):
 * test/contract/error-codes.test.ts sends each and asserts the answer carries the code. A code
 * added to src/errors.ts needs a row here, or, when no request to one server can provoke it, a
 * row naming the test that does (`provokedBy`). Rows run in order on one server (SCENARIO_ENV).
 */
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose'
import { api, login, PASSWORD, uniqueEmail, type Account, type ApiResponse } from '../helpers/client.js'
import { sessionFrom } from '../helpers/cookies.js'
import { enrolTotp } from '../helpers/mfa.js'
import { TEST_JWT_SECRET } from '../helpers/server.js'

export const ADMIN_EMAIL = 'contract-admin@example.com'
export const ADMIN_PASSWORD = 'contract admin password'

/** One server for every row: closed registration (users come from the admin), cookies on (CSRF), no reuse grace, a low failure limit. */
export const SCENARIO_ENV: Record<string, string> = {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  REGISTRATION: 'closed',
  AUTH_COOKIES: 'on',
  REFRESH_REUSE_GRACE: '0',
  LOGIN_FAILURE_LIMIT: '3/15m',
  RATE_LIMIT_AUTH: '1000/1m',
}

export interface ScenarioContext {
  url: string
  /** A server from buildApp() whose host app added `GET /boom`, a route that throws. */
  hostUrl: string
  admin: Account
  /** A fresh active user, created by the admin, logged in. */
  newUser(): Promise<Account>
}

export type Scenario =
  | { code: string; request: (context: ScenarioContext) => Promise<ApiResponse> }
  /** No request to the scenario server provokes it; `file` asserts it against a setup of its own. */
  | { code: string; provokedBy: { file: string; why: string } }

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** The token re-signed with the test secret and `claims` changed (the server's own header kept). */
async function resign(token: string, claims: Record<string, unknown>): Promise<string> {
  const header = decodeProtectedHeader(token)
  return new SignJWT({ ...decodeJwt(token), ...claims }).setProtectedHeader(header as { alg: string }).sign(new TextEncoder().encode(TEST_JWT_SECRET))
}

export const SCENARIOS: Scenario[] = [
  { code: 'validation_failed', request: ({ url }) => api(url, '/auth/login', { body: { email: 'not an email' } }) },
  { code: 'invalid_json', request: ({ url }) => api(url, '/auth/login', { rawBody: '{"email":', headers: { 'content-type': 'application/json' } }) },
  { code: 'authorization_required', request: ({ url }) => api(url, '/auth/me') },
  {
    code: 'invalid_credentials',
    request: async ({ url, newUser }) => api(url, '/auth/login', { body: { email: (await newUser()).email, password: 'a wrong password' } }),
  },
  { code: 'token_invalid', request: ({ url }) => api(url, '/auth/me', { token: 'not.a.token' }) },
  {
    code: 'token_expired',
    request: async ({ url, newUser }) => {
      const token = await resign((await newUser()).accessToken, { iat: nowSeconds() - 120, exp: nowSeconds() - 60 })
      return api(url, '/auth/me', { token })
    },
  },
  {
    code: 'token_revoked',
    request: async ({ url, newUser }) => {
      const user = await newUser()
      await api(url, '/auth/logout', { token: user.accessToken, body: {} })
      return api(url, '/auth/me', { token: user.accessToken })
    },
  },
  { code: 'wrong_token_type', request: async ({ url, newUser }) => api(url, '/auth/me', { token: (await newUser()).refreshToken }) },
  {
    code: 'refresh_token_reused',
    request: async ({ url, newUser }) => {
      const user = await newUser()
      await api(url, '/auth/refresh', { body: { refresh_token: user.refreshToken } })
      return api(url, '/auth/refresh', { body: { refresh_token: user.refreshToken } })
    },
  },
  {
    code: 'fresh_token_required',
    request: async ({ url, newUser }) => {
      const user = await newUser()
      const refreshed = await api(url, '/auth/refresh', { body: { refresh_token: user.refreshToken } })
      return api(url, '/auth/password', { method: 'PUT', token: refreshed.body.access_token, body: { current_password: PASSWORD, new_password: 'another password 123' } })
    },
  },
  {
    code: 'mfa_required',
    request: async ({ url, newUser }) => {
      const user = await newUser()
      await enrolTotp(url, user)
      return api(url, '/auth/login', { body: { email: user.email, password: PASSWORD } })
    },
  },
  // A well-formed assertion for a challenge the server never issued (the browser ceremonies are in test/browser/passkeys.test.ts).
  {
    code: 'passkey_invalid',
    request: ({ url }) => {
      const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'bm90LWEtY2hhbGxlbmdlLWlzc3VlZC1oZXJl', origin: new URL(url).origin })).toString('base64url')
      const credential = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON, authenticatorData: 'AAAA', signature: 'AAAA' }, clientExtensionResults: {} }
      return api(url, '/auth/passkeys/login', { body: { credential } })
    },
  },
  { code: 'mfa_code_invalid', request: ({ url }) => api(url, '/auth/mfa/challenge', { body: { mfa_token: 'an unknown mfa token', code: '123456' } }) },
  {
    code: 'mfa_already_enabled',
    request: async ({ url, newUser }) => {
      const user = await newUser()
      await enrolTotp(url, user)
      return api(url, '/auth/mfa/totp', { method: 'POST', token: user.accessToken })
    },
  },
  {
    code: 'mfa_enrollment_required',
    provokedBy: { file: 'test/http/mfa-policy.test.ts', why: 'needs MFA=required, which would restrict every account of the scenario server' },
  },
  { code: 'forbidden', request: async ({ url, newUser }) => api(url, '/admin/users', { token: (await newUser()).accessToken }) },
  {
    code: 'account_disabled',
    request: async ({ url, admin, newUser }) => {
      const user = await newUser()
      await api(url, `/admin/users/${user.user.id}`, { method: 'PATCH', token: admin.accessToken, body: { active: false } })
      return api(url, '/auth/login', { body: { email: user.email, password: PASSWORD } })
    },
  },
  { code: 'email_token_invalid', request: ({ url }) => api(url, '/auth/email/verify', { body: { token: 'A'.repeat(43) } }) },
  { code: 'email_token_expired', provokedBy: { file: 'test/http/email-flows.test.ts', why: 'needs a link older than VERIFY_TOKEN_TTL (24h here); that file runs with 1s' } },
  { code: 'email_not_verified', provokedBy: { file: 'test/http/email-verification.test.ts', why: 'needs EMAIL_VERIFICATION=required, which would refuse the logins of every other row' } },
  { code: 'registration_disabled', request: ({ url }) => api(url, '/auth/register', { body: { email: uniqueEmail('closed'), password: PASSWORD } }) },
  {
    code: 'csrf_failed',
    request: async ({ url, newUser }) => {
      const user = await newUser()
      const session = sessionFrom(await api(url, '/auth/login', { body: { email: user.email, password: PASSWORD } }), user.email)
      // Authenticated by cookie, from the server's own origin, without the X-CSRF-Token header.
      return api(url, '/auth/me', { method: 'PATCH', body: { full_name: 'Changed' }, headers: { cookie: `tessera_access=${session.access}; tessera_csrf=${session.csrf}`, origin: new URL(url).origin } })
    },
  },
  { code: 'not_found', request: ({ url }) => api(url, '/no-such-route') },
  { code: 'user_not_found', request: ({ url, admin }) => api(url, '/admin/users/0190a5a4-0000-7000-8000-000000000000', { token: admin.accessToken }) },
  { code: 'session_not_found', request: async ({ url, newUser }) => api(url, '/auth/sessions/0190a5a4-0000-7000-8000-000000000000', { method: 'DELETE', token: (await newUser()).accessToken }) },
  {
    code: 'user_exists',
    request: async ({ url, admin, newUser }) => api(url, '/admin/users', { token: admin.accessToken, body: { email: (await newUser()).email, password: PASSWORD } }),
  },
  // The admin's own fresh token: the only active admin may not delete themselves.
  { code: 'last_admin', request: async ({ url }) => api(url, '/auth/me', { method: 'DELETE', token: (await login(url, ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken }) },
  { code: 'payload_too_large', request: ({ url }) => api(url, '/auth/login', { body: { email: 'a@example.com', password: 'x'.repeat(70 * 1024) } }) },
  { code: 'unsupported_media_type', request: ({ url }) => api(url, '/auth/login', { rawBody: 'email=a@example.com', headers: { 'content-type': 'text/plain' } }) },
  {
    code: 'rate_limited',
    request: async ({ url, newUser }) => {
      const user = await newUser()
      // LOGIN_FAILURE_LIMIT=3/15m: the fourth attempt is refused, even with the right password.
      for (let i = 0; i < 3; i++) await api(url, '/auth/login', { body: { email: user.email, password: 'a wrong password' } })
      return api(url, '/auth/login', { body: { email: user.email, password: PASSWORD } })
    },
  },
  // Tessera answers every client error itself; only a failing route of the host app ends here.
  { code: 'internal_error', request: ({ hostUrl }) => api(hostUrl, '/boom') },
  {
    code: 'service_unavailable',
    provokedBy: { file: 'test/http/problems.test.ts', why: 'needs a full hashing queue (or Redis or the database down: fail-closed.test.ts)' },
  },
  { code: 'uri_too_long', request: ({ url }) => api(url, `/admin/users/${'a'.repeat(600)}`) },
  { code: 'headers_too_large', request: ({ url }) => api(url, '/health', { headers: { 'x-padding': 'a'.repeat(20_000) } }) },
  {
    code: 'bad_request',
    provokedBy: { file: 'test/http/transport-errors.test.ts', why: 'a malformed request line or two Host headers, which fetch cannot send; raw TCP there' },
  },
  {
    code: 'request_timeout',
    provokedBy: { file: 'test/http/transport-errors.test.ts', why: "waits out node's request timeout on a raw socket" },
  },
]
