// TOKEN_SCHEMES: `Authorization: JWT <token>`, as the old Flask-JWT sends it, only when configured. @see issue 6, issue 8
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServers, type RunningServer } from '../helpers/server.js'
import { api, register } from '../helpers/client.js'
import { assertProblem } from '../helpers/problems.js'

describe('TOKEN_SCHEMES', () => {
  let bearerOnly: RunningServer
  let withJwt: RunningServer
  before(async () => {
    ;[bearerOnly, withJwt] = await startServers({}, { TOKEN_SCHEMES: 'Bearer,JWT' })
  })
  after(() => Promise.all([bearerOnly.stop(), withJwt.stop()]))

  describe('Bearer (the default)', () => {
    it('`JWT <token>` is 401 authorization_required', async () => {
      const account = await register(bearerOnly.url)
      const response = await api(bearerOnly.url, '/auth/me', { headers: { authorization: `JWT ${account.accessToken}` } })
      assertProblem(response, 401, 'authorization_required')
    })

    it('`Bearer <token>` works', async () => {
      const account = await register(bearerOnly.url)
      assert.equal((await api(bearerOnly.url, '/auth/me', { token: account.accessToken })).status, 200)
    })
  })

  describe('Bearer,JWT', () => {
    for (const scheme of ['JWT', 'jwt', 'Bearer', 'bearer']) {
      it(`\`${scheme} <token>\` authenticates`, async () => {
        const account = await register(withJwt.url)
        const response = await api(withJwt.url, '/auth/me', { headers: { authorization: `${scheme} ${account.accessToken}` } })
        assert.equal(response.status, 200, response.text)
        assert.equal(response.body.id, account.user.id)
      })
    }

    it('a refresh token is accepted as `JWT <refresh>` on /auth/refresh', async () => {
      const account = await register(withJwt.url)
      const response = await api(withJwt.url, '/auth/refresh', { method: 'POST', headers: { authorization: `JWT ${account.refreshToken}` } })
      assert.equal(response.status, 200, response.text)
    })

    it('another scheme is still 401 authorization_required', async () => {
      const account = await register(withJwt.url)
      assertProblem(await api(withJwt.url, '/auth/me', { headers: { authorization: `Token ${account.accessToken}` } }), 401, 'authorization_required')
      assertProblem(await api(withJwt.url, '/auth/me', { headers: { authorization: `JWTX ${account.accessToken}` } }), 401, 'authorization_required')
    })

    it('`JWT` with a token that is not one is token_invalid', async () => {
      assertProblem(await api(withJwt.url, '/auth/me', { headers: { authorization: 'JWT not-a-jwt' } }), 401, 'token_invalid')
    })
  })
})
