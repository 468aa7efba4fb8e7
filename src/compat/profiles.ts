import type { CompatProfile } from './profile.js'
import { flaskJwt } from './profiles/flask-jwt.js'
import { flaskJwtExtended } from './profiles/flask-jwt-extended.js'
import { flaskJwtExtendedAdmin } from './profiles/flask-jwt-extended-admin.js'
import { flaskRestplusBoilerplate } from './profiles/flask-restplus-boilerplate.js'
import { pyjwtBasic } from './profiles/pyjwt-basic.js'

/** Every profile `COMPAT_PROFILE` accepts, by name (docs/migrating-from-flask.md has one section each). */
export const COMPAT_PROFILES: Readonly<Record<string, CompatProfile>> = Object.freeze(
  Object.fromEntries([flaskJwt, flaskJwtExtended, flaskJwtExtendedAdmin, pyjwtBasic, flaskRestplusBoilerplate].map((profile) => [profile.name, profile])),
)
