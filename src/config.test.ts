import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
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
