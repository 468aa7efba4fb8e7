import type { CompatProfile } from '../profile.js'

const ENVELOPE = { status: '$status', resource: 'Users' }

/**
 * Flask-JWT-Extended 3 + MongoEngine with admin routes (seed 000, "Série API
 * em Flask - Parte 12"). `POST /auth {email, password}` answers `{status,
 * resource, message, token, refresh, data}`; `/auth/refresh` takes the refresh
 * token as Bearer and answers `{token}`. Where a route shares Tessera's path
 * (`POST /auth/refresh`, `GET /admin/users/<id>`), the answer is Tessera's with
 * the legacy fields added, so Tessera's own clients keep working beside it.
 */
export const flaskJwtExtendedAdmin: CompatProfile = {
  name: 'flask-jwt-extended-admin',
  emulates: 'Flask-JWT-Extended 3 with the tutorial admin routes (reusable refresh tokens)',
  token: {},
  refreshRotation: false,
  // The tutorial's user document has a cpf_cnpj (a Brazilian tax id) Tessera does not keep: ignored on input.
  fields: { cpf_cnpj: '' },
  user: { id: 'id', email: 'email', full_name: 'full_name', active: 'active' },
  error: { status: '$status', message: '$detail' },
  routes: [
    {
      method: 'POST',
      path: '/auth',
      action: 'login',
      response: { status: '$status', resource: 'Auth', message: 'Token criado.', token: '$access_token', refresh: '$refresh_token', data: '$user' },
      summary: 'Log in by {email, password}',
    },
    {
      method: 'POST',
      path: '/auth/refresh',
      action: 'refresh',
      response: { '...': '$tokens', status: '$status', resource: 'Auth', message: 'Token criado.', token: '$access_token' },
      summary: 'A new access token for the refresh token (Bearer)',
    },
    { method: 'GET', path: '/admin/users/:page(\\d+)', action: 'list-users', auth: 'admin', response: { ...ENVELOPE, message: 'Usuários retornado(a).', data: '$users' } },
    { method: 'GET', path: '/admin/users/:id', action: 'get-user', auth: 'admin', response: { '...': '$tessera_user', ...ENVELOPE, message: 'Usuário retornado(a).', data: '$user' } },
    { method: 'PUT', path: '/admin/users/:id', action: 'update-user', auth: 'admin', response: { ...ENVELOPE, message: 'Usuário atualizado(a).', data: '$user' } },
    { method: 'DELETE', path: '/admin/users/:id', action: 'delete-user', auth: 'admin', response: { ...ENVELOPE, message: 'Usuário excluído(a).' } },
  ],
}
