import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig, parseDuration } from './config.js'

describe('parseDuration', () => {
  const cases: Array<[string, number | undefined]> = [
    ['900', 900],
    ['90s', 90],
    ['15m', 900],
    ['12h', 43200],
    ['30d', 2592000],
    ['0', 0],
    ['', undefined],
    ['-1', undefined],
    ['1.5h', undefined],
    ['10 minutes', undefined],
    ['m', undefined],
  ]
  for (const [text, expected] of cases) {
    it(`reads "${text}" as ${expected}`, () => assert.equal(parseDuration(text), expected))
  }
})

describe('loadConfig', () => {
  it('uses the defaults of API.md when nothing is set', () => {
    const config = loadConfig({})
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.port, 3000)
    assert.equal(config.databaseUrl, 'sqlite:./data/tessera.db')
    assert.equal(config.jwtAlgorithm, 'HS256')
    assert.equal(config.accessTokenTtl, 900)
    assert.equal(config.refreshTokenTtl, 30 * 86400)
    assert.equal(config.refreshReuseGrace, 10)
    assert.equal(config.jwtLeeway, 0)
    assert.deepEqual(config.loginFailureLimit, { max: 10, windowSeconds: 900 })
    assert.deepEqual(config.rateLimitAuth, { max: 100, windowSeconds: 60 })
    assert.equal(config.registration, 'open')
    assert.equal(config.mfa, 'optional')
    assert.equal(config.mfaIssuer, 'Tessera')
    assert.ok(Object.isFrozen(config))
  })

  it('treats an empty variable as unset', () => {
    assert.equal(loadConfig({ PORT: '', JWT_SECRET: '' }).jwtSecret, undefined)
  })

  const bad: Array<[string, Record<string, string>]> = [
    ['JWT_SECRET', { JWT_SECRET: 'x'.repeat(31) }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: 'soon' }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: '0' }],
    ['REFRESH_TOKEN_TTL', { REFRESH_TOKEN_TTL: '10m' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '3e3' }],
    ['REGISTRATION', { REGISTRATION: 'yes' }],
    ['LOGIN_FAILURE_LIMIT', { LOGIN_FAILURE_LIMIT: '10' }],
    ['RATE_LIMIT_AUTH', { RATE_LIMIT_AUTH: '0/1m' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['DATABASE_URL', { DATABASE_URL: 'mongodb://x' }],
    ['JWT_ALGORITHM', { JWT_ALGORITHM: 'none' }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'root@example.com' }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'short' }],
    ['ADMIN_EMAIL', { ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: 'long enough password' }],
    ['WORKERS', { WORKERS: '2', DATABASE_URL: 'sqlite::memory:' }],
    ['WORKERS', { WORKERS: '2', DATABASE_URL: 'sqlite:' }],
  ]
  for (const [variable, env] of bad) {
    it(`refuses ${JSON.stringify(env)} naming ${variable} on one line`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.variable === variable && !error.message.includes('\n') && error.message.includes(variable),
      )
    })
  }

  // @see issue 13: every worker had its own empty in-memory database.
  it('refuses WORKERS>1 on an in-memory SQLite database, naming both settings', () => {
    assert.throws(() => loadConfig({ WORKERS: '3', DATABASE_URL: 'sqlite::memory:' }), /^ConfigError: Invalid WORKERS: WORKERS=3 .*DATABASE_URL=sqlite::memory:/)
    assert.equal(loadConfig({ WORKERS: '1', DATABASE_URL: 'sqlite::memory:' }).workers, 1)
    assert.equal(loadConfig({ WORKERS: '3', DATABASE_URL: 'sqlite:./data/tessera.db' }).workers, 3)
  })

  it('accepts a 32-byte secret counted in UTF-8 bytes', () => {
    assert.equal(loadConfig({ JWT_SECRET: 'é'.repeat(16) }).jwtSecret, 'é'.repeat(16))
  })
})

/**
 * The refused-start matrix: each bad setting is refused by loadConfig with one line naming the
 * variable and carrying no secret. What the process makes of that (exit 1, that line alone on
 * stderr) is checked once, by a spawned server, in test/http/settings.test.ts.
 */
function assertRefused(env: Record<string, string>, variable: string, secrets: string[] = []): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`)
      assert.equal(error.variable, variable)
      assert.match(error.message, new RegExp(`^Invalid ${variable}\\b`))
      assert.doesNotMatch(error.message, /\n/, 'one line')
      assert.doesNotMatch(error.message, /PRIVATE KEY|eyJ/, 'no key material')
      for (const secret of secrets) assert.ok(!error.message.includes(secret), 'the secret is never printed')
      return true
    },
  )
}

describe('loadConfig refuses a bad setting', () => {
  const cases: Array<{ name: string; env: Record<string, string>; variable: string }> = [
    { name: 'JWT_SECRET shorter than 32 bytes', env: { JWT_SECRET: 'too-short-secret' }, variable: 'JWT_SECRET' },
    { name: 'ACCESS_TOKEN_TTL=abc', env: { ACCESS_TOKEN_TTL: 'abc' }, variable: 'ACCESS_TOKEN_TTL' },
    { name: 'REFRESH_TOKEN_TTL=-1', env: { REFRESH_TOKEN_TTL: '-1' }, variable: 'REFRESH_TOKEN_TTL' },
    { name: 'REGISTRATION=maybe', env: { REGISTRATION: 'maybe' }, variable: 'REGISTRATION' },
    { name: 'LOGIN_FAILURE_LIMIT=ten', env: { LOGIN_FAILURE_LIMIT: 'ten' }, variable: 'LOGIN_FAILURE_LIMIT' },
    { name: 'RATE_LIMIT_AUTH=5 (no window)', env: { RATE_LIMIT_AUTH: '5' }, variable: 'RATE_LIMIT_AUTH' },
    { name: 'PORT=99999', env: { PORT: '99999' }, variable: 'PORT' },
    { name: 'LOG_LEVEL=loud', env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL' },
    { name: 'DATABASE_URL=ftp://x', env: { DATABASE_URL: 'ftp://x' }, variable: 'DATABASE_URL' },
    { name: 'ADMIN_EMAIL without ADMIN_PASSWORD', env: { ADMIN_EMAIL: 'lonely@example.com' }, variable: 'ADMIN_PASSWORD' },
    { name: 'ADMIN_PASSWORD shorter than 8 characters', env: { ADMIN_EMAIL: 'short@example.com', ADMIN_PASSWORD: 'short' }, variable: 'ADMIN_PASSWORD' },
    { name: 'MFA=always', env: { MFA: 'always' }, variable: 'MFA' },
    { name: 'MFA_ISSUER with a colon', env: { MFA_ISSUER: 'Acme: Login' }, variable: 'MFA_ISSUER' },
    { name: 'MFA_ISSUER of 65 characters', env: { MFA_ISSUER: 'x'.repeat(65) }, variable: 'MFA_ISSUER' },
    { name: 'JWT_ALGORITHM=none', env: { JWT_ALGORITHM: 'none' }, variable: 'JWT_ALGORITHM' },
    { name: 'JWT_ALGORITHM=RS512', env: { JWT_ALGORITHM: 'RS512' }, variable: 'JWT_ALGORITHM' },
    // JWE (formerly test/http/jwe-tokens.test.ts)
    { name: 'JWE_KEY of 16 bytes', env: { ACCESS_TOKEN_FORMAT: 'jwe', JWE_KEY: randomBytes(16).toString('base64url') }, variable: 'JWE_KEY' },
    { name: 'JWE_KEY of 33 bytes', env: { ACCESS_TOKEN_FORMAT: 'jwe', JWE_KEY: randomBytes(33).toString('base64url') }, variable: 'JWE_KEY' },
    { name: 'JWE_KEY with a character outside base64url', env: { ACCESS_TOKEN_FORMAT: 'jwe', JWE_KEY: `${randomBytes(32).toString('base64url').slice(0, 42)}+` }, variable: 'JWE_KEY' },
    { name: 'ACCESS_TOKEN_FORMAT=jwt', env: { ACCESS_TOKEN_FORMAT: 'jwt' }, variable: 'ACCESS_TOKEN_FORMAT' },
    { name: 'JWE_ALGORITHM=RSA1_5', env: { ACCESS_TOKEN_FORMAT: 'jwe', JWE_ALGORITHM: 'RSA1_5' }, variable: 'JWE_ALGORITHM' },
  ]
  for (const c of cases) {
    it(`${c.name} names ${c.variable} on one line`, () => assertRefused(c.env, c.variable))
  }

  it('accepts a JWE_KEY of 43 characters, or 44 with padding', () => {
    const key = randomBytes(32).toString('base64url')
    for (const text of [key, `${key}=`]) assert.equal(loadConfig({ ACCESS_TOKEN_FORMAT: 'jwe', JWE_KEY: text }).jweKey?.length, 32)
  })
})

describe('loadConfig refuses a bad INTROSPECTION_CLIENTS, never printing a secret', () => {
  const secret = 'orders-secret-0123456789abcdef0123456789'
  const other = 'billing-secret-0123456789abcdef012345678'
  const cases = [
    { name: 'a secret under 32 bytes', value: 'api:short-secret', secrets: ['short-secret'] },
    { name: 'a pair without a colon', value: `api${secret}`, secrets: [secret] },
    { name: 'an empty client id', value: `:${secret}`, secrets: [secret] },
    { name: 'a secret with characters outside the unreserved set', value: `api:${secret}+/=`, secrets: [secret] },
    { name: 'the same client twice', value: `api:${secret},api:${other}`, secrets: [secret, other] },
  ]
  for (const c of cases) {
    it(c.name, () => assertRefused({ INTROSPECTION_CLIENTS: c.value }, 'INTROSPECTION_CLIENTS', c.secrets))
  }
})

describe('loadConfig refuses a JWT_PRIVATE_KEY_FILE that does not fit, without key material', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'tessera-config-keys-'))
  after(() => rmSync(keyDir, { recursive: true, force: true }))
  let count = 0
  const write = (name: string, text: string | Buffer): string => {
    const path = join(keyDir, `${++count}-${name}`)
    writeFileSync(path, text)
    return path
  }
  const pkcs8Pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString()
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  const cases: Array<{ name: string; env: () => Record<string, string> }> = [
    { name: 'an RSA key of 1024 bits for RS256', env: () => ({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: write('rsa1024.pem', rsa1024.export({ type: 'pkcs1', format: 'pem' })) }) },
    { name: 'a P-384 key for ES256', env: () => ({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: write('p384.pem', p384.export({ type: 'sec1', format: 'pem' })) }) },
    { name: 'an RSA key for ES256', env: () => ({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: write('rsa-for-es.pem', rsa2048.export({ type: 'pkcs1', format: 'pem' })) }) },
    { name: 'an Ed25519 key for RS256', env: () => ({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: write('ed-for-rs.pem', pkcs8Pem(generateKeyPairSync('ed25519').privateKey)) }) },
    { name: 'an Ed448 key for EdDSA', env: () => ({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: write('ed448.pem', pkcs8Pem(generateKeyPairSync('ed448').privateKey)) }) },
    { name: 'a missing file', env: () => ({ JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: join(keyDir, 'no-such-file.pem') }) },
    { name: 'a garbage file', env: () => ({ JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY_FILE: write('garbage.pem', '-----BEGIN RSA PRIVATE KEY-----\nnot a key\n-----END RSA PRIVATE KEY-----\n') }) },
    { name: 'a public key instead of a private one', env: () => ({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: write('public.pem', createPublicKey(p384).export({ type: 'spki', format: 'pem' })) }) },
  ]
  for (const c of cases) {
    it(c.name, () => assertRefused(c.env(), 'JWT_PRIVATE_KEY_FILE'))
  }
})

describe('loadConfig: accounts over email (issue 16)', () => {
  it('uses the defaults of the contract', () => {
    const config = loadConfig({})
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000')
    assert.equal(config.mailUrl, 'log')
    assert.equal(config.mailFrom, 'Tessera <no-reply@localhost>')
    assert.equal(config.emailVerification, 'optional')
    assert.equal(config.emailChangeConfirmation, true)
    assert.equal(config.emailLinkVerify, 'http://127.0.0.1:3000/verify-email?token={token}')
    assert.equal(config.emailLinkReset, 'http://127.0.0.1:3000/reset-password?token={token}')
    assert.equal(config.verifyTokenTtl, 86400)
    assert.equal(config.resetTokenTtl, 3600)
    assert.deepEqual(config.rateLimitEmail, { max: 5, windowSeconds: 3600 })
    assert.equal(config.mailTemplatesDir, undefined)
  })

  it('builds links from PUBLIC_URL, and ${PUBLIC_URL} in EMAIL_LINK_*', () => {
    const config = loadConfig({ PUBLIC_URL: 'https://id.example.com/auth/', EMAIL_LINK_RESET: '${PUBLIC_URL}/app/#reset?token={token}' })
    assert.equal(config.publicUrl, 'https://id.example.com/auth')
    assert.equal(config.emailLinkVerify, 'https://id.example.com/auth/verify-email?token={token}')
    assert.equal(config.emailLinkReset, 'https://id.example.com/auth/app/#reset?token={token}')
  })

  const refused: Array<[string, Record<string, string>]> = [
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://example.com' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://example.com/?q=1' }],
    ['MAIL_URL', { MAIL_URL: 'http://mail.example.com' }],
    ['MAIL_URL', { MAIL_URL: 'smtp://' }],
    ['MAIL_FROM', { MAIL_FROM: 'not an address' }],
    ['EMAIL_VERIFICATION', { EMAIL_VERIFICATION: 'yes' }],
    ['EMAIL_CHANGE_CONFIRMATION', { EMAIL_CHANGE_CONFIRMATION: 'maybe' }],
    ['EMAIL_LINK_VERIFY', { EMAIL_LINK_VERIFY: 'https://app.example.com/verify' }],
    ['EMAIL_LINK_RESET', { EMAIL_LINK_RESET: 'javascript:alert({token})' }],
    ['VERIFY_TOKEN_TTL', { VERIFY_TOKEN_TTL: 'soon' }],
    ['RATE_LIMIT_EMAIL', { RATE_LIMIT_EMAIL: '5' }],
    ['MAIL_MAX_ATTEMPTS', { MAIL_MAX_ATTEMPTS: '0' }],
  ]
  for (const [variable, env] of refused) {
    it(`refuses ${JSON.stringify(env)} naming ${variable}`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.variable === variable)
    })
  }

  it('never echoes a MAIL_URL (it may hold a password)', () => {
    assert.throws(() => loadConfig({ MAIL_URL: 'smtpx://user:hunter2@host' }), (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'))
  })
})

describe('loadConfig: PUBLIC_URL and the WebAuthn relying party', () => {
  it('derives the RP ID (host, no port) and the origin from the default PUBLIC_URL http://HOST:PORT', () => {
    const config = loadConfig({ HOST: 'localhost', PORT: '8080' })
    assert.equal(config.publicUrl, 'http://localhost:8080')
    assert.deepEqual(config.webauthn, { rpId: 'localhost', rpName: 'Tessera', origins: ['http://localhost:8080'] })
  })

  it('still starts when the derived RP ID is an IP address (HOST=::), which no browser accepts for passkeys', () => {
    assert.deepEqual(loadConfig({ HOST: '::' }).webauthn, { rpId: '::', rpName: 'Tessera', origins: ['http://[::]:3000'] })
    assert.equal(loadConfig({ HOST: '0.0.0.0' }).webauthn.rpId, '0.0.0.0')
  })

  it('derives them from PUBLIC_URL, and takes WEBAUTHN_* over it', () => {
    assert.deepEqual(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).webauthn.origins, ['https://auth.example.com'])
    assert.equal(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).publicUrl, 'https://auth.example.com')
    const config = loadConfig({ PUBLIC_URL: 'https://auth.example.com', WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_RP_NAME: 'Example', WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com' })
    assert.deepEqual(config.webauthn, { rpId: 'example.com', rpName: 'Example', origins: ['https://app.example.com', 'https://example.com'] })
  })

  const refused: Array<[string, Record<string, string>]> = [
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://example.com' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://example.com/?q=1' }],
    ['WEBAUTHN_RP_ID', { WEBAUTHN_RP_ID: 'https://example.com' }],
    ['WEBAUTHN_RP_ID', { WEBAUTHN_RP_ID: 'example.com:443' }],
    ['WEBAUTHN_ORIGINS', { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.org' }],
    ['WEBAUTHN_ORIGINS', { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://notexample.com' }],
    ['WEBAUTHN_ORIGINS', { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com/path' }],
    // An RP ID set by hand must still cover the default origin (http://127.0.0.1:3000 here).
    ['WEBAUTHN_ORIGINS', { WEBAUTHN_RP_ID: 'example.com' }],
  ]
  for (const [variable, env] of refused) {
    it(`refuses ${JSON.stringify(env)} naming ${variable}`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.variable === variable)
    })
  }
})
describe('COMPAT_PROFILE and REFRESH_ROTATION (issue 17)', () => {
  it('are off by default: no profile, rotation on, tokens only in Authorization: Bearer', () => {
    const config = loadConfig({})
    assert.equal(config.compatProfile, undefined)
    assert.equal(config.refreshRotation, true)
    assert.deepEqual(config.credentialRules, { schemes: ['Bearer'], cookies: false, bareHeader: false, queryParameter: undefined })
  })

  it('a profile brings its token places and its rotation default; REFRESH_ROTATION overrides it', () => {
    assert.equal(loadConfig({ COMPAT_PROFILE: 'flask-jwt-extended' }).refreshRotation, false)
    assert.equal(loadConfig({ COMPAT_PROFILE: 'flask-jwt-extended', REFRESH_ROTATION: 'on' }).refreshRotation, true)
    assert.equal(loadConfig({ REFRESH_ROTATION: 'off' }).refreshRotation, false)
    assert.deepEqual(loadConfig({ COMPAT_PROFILE: 'flask-jwt' }).credentialRules.schemes, ['Bearer', 'JWT'])
    assert.equal(loadConfig({ COMPAT_PROFILE: 'pyjwt-basic' }).credentialRules.queryParameter, 'token')
    assert.equal(loadConfig({ COMPAT_PROFILE: 'flask-restplus-boilerplate', AUTH_COOKIES: 'on' }).credentialRules.bareHeader, true)
    // Only pyjwt-basic reads the query string.
    for (const name of ['flask-jwt', 'flask-jwt-extended', 'flask-jwt-extended-admin', 'flask-restplus-boilerplate']) {
      assert.equal(loadConfig({ COMPAT_PROFILE: name }).credentialRules.queryParameter, undefined, name)
    }
  })

  it('an unknown profile or rotation value stops the start with one line naming the variable', () => {
    assert.throws(() => loadConfig({ COMPAT_PROFILE: 'flask-login' }), (error: unknown) => error instanceof ConfigError && error.variable === 'COMPAT_PROFILE' && error.message.includes('pyjwt-basic'))
    assert.throws(() => loadConfig({ REFRESH_ROTATION: 'sometimes' }), (error: unknown) => error instanceof ConfigError && error.variable === 'REFRESH_ROTATION')
  })
})
