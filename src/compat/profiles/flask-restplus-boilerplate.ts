import type { CompatProfile } from '../profile.js'

/**
 * The Flask-RESTPlus boilerplate (seed 004, "Flask로 API 서버 만들기 (6)"):
 * `POST /user/` registers and `POST /auth/login` logs in, both answering
 * `{status, message, Authorization}`; `POST /auth/logout` with the token in
 * `Authorization` (with or without a scheme) answers `{status: "success",
 * message}`; `GET /user/` lists, `GET /user/<public_id>`. Its Swagger page is
 * at `/` and `/swagger.json`. `/auth/login` and `/auth/logout` are Tessera's
 * paths too: their answers keep Tessera's fields beside the legacy ones.
 */
export const flaskRestplusBoilerplate: CompatProfile = {
  name: 'flask-restplus-boilerplate',
  emulates: 'Flask-RESTPlus boilerplate (cosmic-byte), Authorization header without a scheme',
  token: { bareHeader: true },
  user: { email: 'email', username: 'username', public_id: 'id' },
  error: { status: 'fail', message: '$detail' },
  routes: [
    {
      method: 'POST',
      path: '/user/',
      action: 'register',
      status: 201,
      response: { status: 'success', message: 'Successfully registered.', Authorization: '$access_token' },
      summary: 'Register {email, username, password}',
    },
    { method: 'GET', path: '/user/', action: 'list-users', auth: 'admin', response: { data: '$users' }, summary: 'List registered users (admin)' },
    { method: 'GET', path: '/user/:id', action: 'get-user', auth: 'access', response: '$user', summary: 'The user of a public_id' },
    {
      method: 'POST',
      path: '/auth/login',
      action: 'login',
      response: { '...': '$tokens', status: 'success', message: 'Successfully logged in.', Authorization: '$access_token' },
      summary: 'Log in by {email, password}',
    },
    {
      method: 'POST',
      path: '/auth/logout',
      action: 'logout',
      response: { status: 'success', message: 'Successfully logged out.' },
      summary: 'Log out: the token in Authorization',
    },
    { method: 'GET', path: '/swagger.json', action: 'swagger-json' },
    { method: 'GET', path: '/', action: 'swagger-ui' },
  ],
}
