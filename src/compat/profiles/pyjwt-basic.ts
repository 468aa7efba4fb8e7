import type { CompatProfile } from '../profile.js'

/**
 * Flask + PyJWT with HTTP Basic login (seed 001, "Criando uma Flask API REST
 * com autenticação"): `POST /auth` with Basic credentials answers `{message,
 * token, exp}`; user CRUD on `/users` with a `name` field; every answer is
 * `{message, data}` with status 201, as the tutorial's views return. Its
 * `token_required` reads `?token=`, so this profile, and only this one, takes a
 * token from the query string (warned at start: URLs end up in logs).
 */
export const pyjwtBasic: CompatProfile = {
  name: 'pyjwt-basic',
  emulates: 'Flask + PyJWT, HTTP Basic login, ?token= in the query string',
  token: { queryParameter: 'token' },
  fields: { name: 'full_name' },
  user: { id: 'id', username: 'username', name: 'full_name', email: 'email', created_on: 'created_at' },
  error: { message: '$detail', data: {} },
  routes: [
    { method: 'POST', path: '/auth', action: 'login', credentials: 'basic', response: { message: 'Validado com sucesso', token: '$access_token', exp: '$expires_at' } },
    { method: 'POST', path: '/users', action: 'create-user', auth: 'admin', status: 201, response: { message: 'Usuário criado com sucesso', data: '$user' } },
    { method: 'GET', path: '/users', action: 'list-users', auth: 'admin', status: 201, response: { message: 'Usuários cadastrados', data: '$users' } },
    { method: 'GET', path: '/users/:id', action: 'get-user', auth: 'access', status: 201, response: { message: 'Usuário cadastrado', data: '$user' } },
    { method: 'PUT', path: '/users/:id', action: 'update-user', auth: 'admin', status: 201, response: { message: 'Usuário atualizado', data: '$user' } },
    { method: 'DELETE', path: '/users/:id', action: 'delete-user', auth: 'admin', status: 201, response: { message: 'Usuário deletado', data: '$user' } },
  ],
}
