import type { CompatProfile } from '../profile.js'

/**
 * Flask-RESTful + Flask-JWT-Extended 4 (seed 002, "基于JWT实现Flask API身份认证").
 * Registration by username alone; answers carry `message` beside the tokens;
 * the client keeps the refresh token from login for every `/token/refresh`
 * (Flask-JWT-Extended does not rotate, so neither does this profile: see
 * REFRESH_ROTATION); `/logout/access` then `/logout/refresh` both succeed.
 * Flask-JWT-Extended's own errors are `{msg}`; the tutorial's are `{message}`.
 */
export const flaskJwtExtended: CompatProfile = {
  name: 'flask-jwt-extended',
  emulates: 'Flask-RESTful + Flask-JWT-Extended 4 (reusable refresh tokens, Authorization: Bearer)',
  token: {},
  refreshRotation: false,
  user: { username: 'username' },
  error: { message: '$detail', msg: '$detail' },
  routes: [
    {
      method: 'POST',
      path: '/registration',
      action: 'register',
      response: { message: 'User {username} was created', access_token: '$access_token', refresh_token: '$refresh_token' },
      summary: 'Register by {username, password}',
    },
    {
      method: 'POST',
      path: '/login',
      action: 'login',
      response: { message: 'Logged in as {username}', access_token: '$access_token', refresh_token: '$refresh_token' },
      summary: 'Log in by {username, password}',
    },
    { method: 'POST', path: '/token/refresh', action: 'refresh', response: { access_token: '$access_token' }, summary: 'A new access token for the refresh token (Bearer)' },
    { method: 'POST', path: '/logout/access', action: 'logout', ends: 'access', idempotent: true, response: { message: 'Access token has been revoked' } },
    { method: 'POST', path: '/logout/refresh', action: 'logout', ends: 'refresh', idempotent: true, response: { message: 'Refresh token has been revoked' } },
    { method: 'GET', path: '/users', action: 'list-users', auth: 'admin', response: { users: '$users' }, summary: 'The tutorial test route, admin only, never with passwords' },
    { method: 'DELETE', path: '/users', action: 'delete-users', auth: 'admin', response: { message: '{count} row(s) deleted' }, summary: 'The tutorial test route: deletes every non-admin account' },
  ],
}
