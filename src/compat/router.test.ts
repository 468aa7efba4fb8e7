import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CompatProfile } from './profile.js'
import { COMPAT_PROFILES } from './profiles.js'
import { legacyUser, render } from './render.js'
import { createProfileRewrite } from './router.js'

/** A sixth profile is a table: this one is interpreted by the same router and templates as the five. */
const SIXTH: CompatProfile = {
  name: 'sixth',
  emulates: 'a made-up app',
  token: {},
  user: { uid: 'id', login: 'username' },
  routes: [
    { method: 'GET', path: '/accounts/:page(\\d+)', action: 'list-users', auth: 'admin', response: { items: '$users' } },
    { method: 'GET', path: '/accounts/:id', action: 'get-user', auth: 'admin', response: '$user' },
    { method: 'POST', path: '/signin', action: 'login', response: { '...': '$tokens', jwt: '$access_token', note: 'Hello {username}' } },
  ],
}

describe('compat router: a request to its table route, everything else untouched', () => {
  const rewrite = createProfileRewrite(SIXTH)

  it('routes by method and path, first match in table order, the query string kept', () => {
    assert.equal(rewrite({ method: 'GET', url: '/accounts/2?x=1' }), '/compat/sixth/0/accounts/2?x=1')
    assert.equal(rewrite({ method: 'GET', url: '/accounts/0190d2a0-0000-7000-8000-000000000000' }), '/compat/sixth/1/accounts/0190d2a0-0000-7000-8000-000000000000')
    assert.equal(rewrite({ method: 'POST', url: '/signin' }), '/compat/sixth/2/signin')
    assert.equal(rewrite({ method: 'HEAD', url: '/accounts/3' }), '/compat/sixth/0/accounts/3')
  })

  it('leaves other methods, paths and sub-paths to Tessera', () => {
    assert.equal(rewrite({ method: 'DELETE', url: '/accounts/2' }), undefined)
    assert.equal(rewrite({ method: 'GET', url: '/accounts/2/logout' }), undefined)
    assert.equal(rewrite({ method: 'POST', url: '/auth/login' }), undefined)
  })

  it('every shipped profile routes each of its own paths to itself', () => {
    for (const profile of Object.values(COMPAT_PROFILES)) {
      const own = createProfileRewrite(profile)
      profile.routes.forEach((route, index) => {
        const path = route.path.replace(/:\w+\([^)]*\)/g, '7').replace(/:\w+/g, 'abc')
        assert.match(own({ method: route.method, url: path }) ?? '', new RegExp(`^/compat/${profile.name}/${index}(/|$)`), `${profile.name} ${route.method} ${route.path}`)
      })
    }
  })
})

describe('compat templates', () => {
  it('fill in $values and {text}, spread "..." first so the legacy fields win', () => {
    const values = { access_token: 'a', tokens: { access_token: 'a', token_type: 'Bearer', note: 'theirs' }, username: 'ana' }
    assert.deepEqual(render({ '...': '$tokens', jwt: '$access_token', note: 'Hello {username}' }, values), { access_token: 'a', token_type: 'Bearer', note: 'Hello ana', jwt: 'a' })
    assert.deepEqual(render({ data: {}, n: 1, missing: '$nothing', text: 'no {value} here' }, values), { data: {}, n: 1, missing: null, text: 'no {value} here' })
  })

  it('the legacy user object maps field names and never adds others', () => {
    assert.deepEqual(legacyUser(SIXTH, { id: 'u1', username: 'ana', email: 'a@b.co', roles: ['admin'] }), { uid: 'u1', login: 'ana' })
  })
})
