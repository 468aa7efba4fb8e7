import type { FastifyInstance } from 'fastify'
import { buildAppWithServices, type BuildAppOptions } from './app.js'
import type { Config } from './config.js'
import { COMPAT_PROFILES } from './compat/profiles.js'

export interface StartOptions extends BuildAppOptions {
  /** Whether this process creates the ADMIN_EMAIL account; with WORKERS=N only the first worker does. */
  bootstrapAdmin?: boolean
  /** Routes of the host app (protected with `app.requireAuth()`), added before listening. */
  routes?: (app: FastifyInstance) => void | Promise<void>
}

/**
 * The start of one serving process, shared by serve() (`npm start`, `tessera serve`, each worker)
 * and the in-process test harness (test/helpers/server.ts), so tests cannot drift from the real
 * start: build the app, the ADMIN_EMAIL bootstrap, listen on HOST:PORT, log the address.
 * Signals and exit codes stay with the process (serve.ts). A failure after building closes the app.
 *
 * @example
 * ```ts
 * const { app, url } = await startApp({ config: loadConfig(process.env) })
 * ```
 */
export async function startApp(options: StartOptions): Promise<{ app: FastifyInstance; url: string }> {
  const { config } = options
  const { app, services } = await buildAppWithServices(options)
  try {
    // Workers 2..N leave the bootstrap to worker 1 and have nothing to say about it.
    const bootstrap = options.bootstrapAdmin === false ? 'another-process' : await services.users.bootstrapAdmin()
    if (bootstrap === 'created') app.log.info({ email: config.adminEmail }, 'admin account created from ADMIN_EMAIL')
    if (bootstrap === 'email-taken') {
      app.log.warn({ email: config.adminEmail }, 'ADMIN_EMAIL belongs to an existing non-admin account; not promoted')
    }
    await options.routes?.(app)
    logCompatProfile(app, config)
    const url = await app.listen({ host: config.host, port: config.port })
    app.log.info({ url }, 'tessera listening')
    return { app, url }
  } catch (error) {
    await app.close()
    throw error
  }
}

/** COMPAT_PROFILE at start: which one, and a warning when its tokens may travel in URLs (which end up in logs and proxies). */
function logCompatProfile(app: FastifyInstance, config: Config): void {
  const profile = config.compatProfile === undefined ? undefined : COMPAT_PROFILES[config.compatProfile]
  if (!profile) return
  app.log.info({ profile: profile.name, emulates: profile.emulates, refreshRotation: config.refreshRotation }, 'compatibility profile on')
  const parameter = config.credentialRules.queryParameter
  if (parameter !== undefined) {
    app.log.warn(
      { profile: profile.name, parameter },
      `COMPAT_PROFILE=${profile.name} accepts access tokens in the query string (?${parameter}=): URLs end up in access logs, proxies and browser history; move clients to the Authorization header`,
    )
  }
  if (!config.refreshRotation) app.log.warn({ profile: profile.name }, 'refresh tokens are not rotated (REFRESH_ROTATION=off or the profile): a stolen refresh token is not detected')
}
