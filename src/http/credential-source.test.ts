import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AppError } from '../errors.js'
import { presentedCredential, type CredentialCarrier, type CredentialRules } from './credential-source.js'

const ACCESS = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
const REFRESH = 'tsr_0190abcd.secret'

const BEARER: CredentialRules = { schemes: ['Bearer'], cookies: false, bareHeader: false, queryParameter: undefined }
const COOKIES: CredentialRules = { ...BEARER, cookies: true }

function carrier(parts: { authorization?: string; access?: string; refresh?: string; query?: Record<string, string>; body?: string } = {}): CredentialCarrier {
  return {
    authorization: parts.authorization,
    cookie: (kind) => (kind === 'access' ? parts.access : parts.refresh),
    query: (name) => parts.query?.[name],
    bodyRefreshToken: parts.body,
  }
}

function code(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof AppError) return error.code
    throw error
  }
  return 'none'
}

describe('presentedCredential: where a credential comes from and what it is', () => {
  it('reads Bearer case-insensitively, and only the schemes the rules list', () => {
    assert.deepEqual(presentedCredential(carrier({ authorization: `bearer ${ACCESS}` }), BEARER, 'access'), { token: ACCESS, kind: 'access', origin: 'header' })
    assert.equal(code(() => presentedCredential(carrier({ authorization: `JWT ${ACCESS}` }), BEARER, 'access')), 'authorization_required')
    assert.equal(presentedCredential(carrier({ authorization: `JWT ${ACCESS}` }), { ...BEARER, schemes: ['Bearer', 'JWT'] }, 'access').token, ACCESS)
  })

  it('an empty bearer token is token_invalid; no credential at all is authorization_required', () => {
    assert.equal(code(() => presentedCredential(carrier({ authorization: 'Bearer ' }), BEARER, 'access')), 'token_invalid')
    for (const wanted of ['access', 'refresh', 'session'] as const) assert.equal(code(() => presentedCredential(carrier(), BEARER, wanted)), 'authorization_required')
  })

  it('a header without a scheme is read only when the rules allow it (flask-restplus-boilerplate)', () => {
    assert.equal(code(() => presentedCredential(carrier({ authorization: ACCESS }), BEARER, 'access')), 'authorization_required')
    assert.equal(presentedCredential(carrier({ authorization: ACCESS }), { ...BEARER, bareHeader: true }, 'access').token, ACCESS)
  })

  it('the query string is read only with a query parameter in the rules, and after header and cookie', () => {
    const query = { token: ACCESS }
    assert.equal(code(() => presentedCredential(carrier({ query }), BEARER, 'access')), 'authorization_required')
    const rules = { ...COOKIES, queryParameter: 'token' }
    assert.equal(presentedCredential(carrier({ query }), rules, 'access').origin, 'query')
    assert.equal(presentedCredential(carrier({ query, access: 'eyJ.cookie.x' }), rules, 'access').origin, 'cookie')
    assert.equal(presentedCredential(carrier({ query, authorization: `Bearer ${ACCESS}` }), rules, 'access').origin, 'header')
  })

  it('the header wins over the access cookie; cookies are read only with AUTH_COOKIES', () => {
    const both = carrier({ authorization: `Bearer ${ACCESS}`, access: 'eyJ.cookie.x' })
    assert.equal(presentedCredential(both, COOKIES, 'access').origin, 'header')
    assert.equal(presentedCredential(carrier({ access: ACCESS }), COOKIES, 'access').origin, 'cookie')
    assert.equal(code(() => presentedCredential(carrier({ access: ACCESS }), BEARER, 'access')), 'authorization_required')
  })

  it('refresh: the body wins over the header, the header over the refresh cookie', () => {
    assert.equal(presentedCredential(carrier({ body: REFRESH, authorization: 'Bearer tsr_other.x', refresh: 'tsr_c.x' }), COOKIES, 'refresh').origin, 'body')
    assert.equal(presentedCredential(carrier({ authorization: `Bearer ${REFRESH}`, refresh: 'tsr_c.x' }), COOKIES, 'refresh').origin, 'header')
    assert.deepEqual(presentedCredential(carrier({ refresh: REFRESH }), COOKIES, 'refresh'), { token: REFRESH, kind: 'refresh', origin: 'cookie' })
  })

  it('session (logout): header access token, else body refresh token, else access cookie, else refresh cookie', () => {
    assert.deepEqual(presentedCredential(carrier({ authorization: `Bearer ${ACCESS}`, body: REFRESH }), COOKIES, 'session'), { token: ACCESS, kind: 'access', origin: 'header' })
    assert.deepEqual(presentedCredential(carrier({ body: REFRESH, access: ACCESS }), COOKIES, 'session'), { token: REFRESH, kind: 'refresh', origin: 'body' })
    assert.equal(presentedCredential(carrier({ access: ACCESS, refresh: REFRESH }), COOKIES, 'session').kind, 'access')
    assert.deepEqual(presentedCredential(carrier({ refresh: REFRESH }), COOKIES, 'session'), { token: REFRESH, kind: 'refresh', origin: 'cookie' })
  })

  it('a token of the other kind than its place holds is wrong_token_type', () => {
    assert.equal(code(() => presentedCredential(carrier({ authorization: `Bearer ${REFRESH}` }), BEARER, 'access')), 'wrong_token_type')
    assert.equal(code(() => presentedCredential(carrier({ authorization: `Bearer ${ACCESS}` }), BEARER, 'refresh')), 'wrong_token_type')
    assert.equal(code(() => presentedCredential(carrier({ body: ACCESS }), BEARER, 'refresh')), 'wrong_token_type')
    assert.equal(code(() => presentedCredential(carrier({ authorization: `Bearer ${REFRESH}` }), BEARER, 'session')), 'wrong_token_type')
    assert.equal(code(() => presentedCredential(carrier({ body: ACCESS }), BEARER, 'session')), 'wrong_token_type')
    assert.equal(code(() => presentedCredential(carrier({ access: REFRESH }), COOKIES, 'access')), 'wrong_token_type')
  })

  it('a token of no recognisable shape is passed on, to fail verification as token_invalid', () => {
    assert.equal(presentedCredential(carrier({ authorization: 'Bearer garbage' }), BEARER, 'access').token, 'garbage')
    assert.equal(presentedCredential(carrier({ authorization: 'Bearer garbage' }), BEARER, 'refresh').token, 'garbage')
  })
})
