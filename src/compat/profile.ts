/**
 * The shape of a compatibility profile (`COMPAT_PROFILE=<name>`): a table that
 * says which routes an old client calls, with which fields, where its token
 * travels and what it reads back. One interpreter (`mount.ts`) serves every
 * profile; a new profile is a new table in `profiles/`, not new code, as long
 * as its routes use the actions below.
 *
 * Templates (`response`, `error`) are JSON objects whose string values may be:
 * - `"$name"`: a value of the answer (see `TemplateValue`), e.g. `"$access_token"`;
 * - `"...{username}..."`: text with a value put in, e.g. `"Logged in as {username}"`;
 * - anything else: itself. A key `"..."` spreads an object value (`"$tokens"`) into the answer.
 */

/** What a route does. Each action is a thin call into Tessera's services, with Tessera's rules. */
export type CompatAction =
  | 'register' // create an account and start a session
  | 'login' // check a password and start a session
  | 'refresh' // new access token for a refresh token (rotated unless REFRESH_ROTATION=off)
  | 'logout' // end the session of the credential presented
  | 'list-users' // admin: users, by a page number in the path or ?page=
  | 'get-user' // the user of `:id` (admin, or the caller themself)
  | 'create-user' // admin: create an account
  | 'update-user' // admin: change `:id`
  | 'delete-user' // admin: delete `:id`
  | 'delete-users' // admin: delete every account that is not an admin
  | 'swagger-json' // the profile's own Swagger 2.0 document
  | 'swagger-ui' // a page showing it

/** Who may call a route: anyone, any signed-in user, or an admin. */
export type CompatAuth = 'none' | 'access' | 'admin'

export type Template = { readonly [key: string]: TemplateLeaf }
export type TemplateLeaf = string | number | boolean | null | Template

export interface CompatRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Fastify-style path; `:page(\d+)` limits a parameter to digits, so `/admin/users/2` and `/admin/users/<id>` can share a prefix. */
  path: string
  action: CompatAction
  auth?: CompatAuth
  /** Where a login's credentials are: the JSON body (default) or an HTTP Basic header. */
  credentials?: 'body' | 'basic'
  /** Which credential `logout` ends: the access token (default) or the refresh token. */
  ends?: 'access' | 'refresh'
  /** A logout of a session that has already ended succeeds (Flask-JWT-Extended's two logout calls). */
  idempotent?: boolean
  /** Success status (default 200). */
  status?: number
  /** The answer: a template, or one value (`"$user"`); undefined for an empty body. */
  response?: TemplateLeaf
  /** One line for the profile's Swagger document (004). */
  summary?: string
}

export interface CompatProfile {
  name: string
  /** What it emulates, for the start-up log and the docs. */
  emulates: string
  token: {
    /** Authorization schemes besides Bearer (`JWT`: Flask-JWT). */
    schemes?: readonly ('Bearer' | 'JWT')[]
    /** `Authorization: <token>` with no scheme. */
    bareHeader?: boolean
    /** The query parameter a token may travel in. Tokens in URLs end up in logs: warned about at start. */
    queryParameter?: string
  }
  /** false: the refresh token stays the same for the session (Flask-JWT-Extended); REFRESH_ROTATION overrides. */
  refreshRotation?: boolean
  /** Legacy request field → Tessera field (`name` → `full_name`; `''` drops a field Tessera does not keep). Fields not listed keep their name. */
  fields?: Readonly<Record<string, string>>
  /** The legacy user object: legacy field → field of Tessera's user object. */
  user: Readonly<Record<string, string>>
  /** Fields added to every problem+json answer of the profile's routes (`$status`, `$detail`, `$code`). */
  error?: Template
  routes: readonly CompatRoute[]
}
