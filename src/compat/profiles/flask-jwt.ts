import type { CompatProfile } from '../profile.js'

/**
 * The old Flask-JWT (seed 003, "Flask-JWT を利用"): `POST /auth` with
 * `{username, password}` answers `{access_token}`, and protected routes take
 * `Authorization: JWT <token>`. Errors as Flask-JWT writes them.
 */
export const flaskJwt: CompatProfile = {
  name: 'flask-jwt',
  emulates: 'Flask-JWT (JWT_AUTH_URL_RULE=/auth, Authorization: JWT)',
  token: { schemes: ['JWT'] },
  user: { id: 'id', username: 'username' },
  error: { status_code: '$status', error: '$title', description: '$detail' },
  routes: [{ method: 'POST', path: '/auth', action: 'login', response: { access_token: '$access_token' }, summary: 'Log in: {username, password} → {access_token}' }],
}
