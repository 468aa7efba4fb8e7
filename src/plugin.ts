import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Services } from './services/index.js'
import { authRateLimitPlugin } from './http/plugins/auth-rate-limit.js'
import { auditPlugin } from './http/plugins/audit.js'
import { authenticatePlugin } from './http/plugins/authenticate.js'
import { bodyGuardsPlugin } from './http/plugins/body-guards.js'
import { authCookiesPlugin } from './http/plugins/cookies.js'
import { corsPlugin } from './http/plugins/cors.js'
import { metricsPlugin } from './http/plugins/metrics.js'
import { problemPlugin } from './http/plugins/problem.js'
import { compatRoutes } from './http/compat-aliases.js'
import { compatProfileRoutes } from './compat/mount.js'
import { COMPAT_PROFILES } from './compat/profiles.js'
import { problemFields } from './compat/render.js'
import { adminAuditRoutes } from './http/routes/admin-audit.js'
import { adminKeyRoutes } from './http/routes/admin-keys.js'
import { adminUserRoutes } from './http/routes/admin-users.js'
import { adminMfaRoutes } from './http/routes/admin-mfa.js'
import { mfaRoutes } from './http/routes/mfa.js'
import { mfaChallengeRoutes } from './http/routes/mfa-challenge.js'
import { authRoutes } from './http/routes/auth.js'
import { emailRoutes } from './http/routes/email.js'
import { healthRoutes } from './http/routes/health.js'
import { introspectRoutes } from './http/routes/introspect.js'
import { meRoutes } from './http/routes/me.js'
import { passkeyRoutes } from './http/routes/passkeys.js'
import { sessionRoutes } from './http/routes/sessions.js'
import { wellKnownRoutes } from './http/routes/well-known.js'
import { ProblemSchema } from './http/schemas/common.js'
import { TokenResponse } from './http/schemas/token-response.js'
import { User } from './http/schemas/user.js'
import { createTesseraApi, type TesseraApi } from './http/tessera-api.js'
import { createValidatorCompiler } from './http/validation.js'

export interface TesseraPluginOptions {
  services: Services
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Users, sessions, token verification and the audit log, for routes of your own that need
     * more than `requireAuth` (src/http/tessera-api.ts). Not the services themselves: Tessera's
     * own routes get those from the plugin's options.
     */
    tessera: TesseraApi
  }
}

/**
 * Tessera as a Fastify plugin: the routes of API.md, `app.requireAuth()` for
 * your own routes, and problem+json errors for the whole app.
 *
 * @example
 * ```ts
 * const app = Fastify()
 * await app.register(tesseraPlugin, { services })
 * app.get('/secret', { onRequest: app.requireAuth() }, async () => ({ answer: 42 }))
 * ```
 */
export const tesseraPlugin = fp<TesseraPluginOptions>(
  async (app, { services }) => {
    app.decorate('tessera', createTesseraApi(services))
    app.addSchema(ProblemSchema)
    app.addSchema(User)
    app.addSchema(TokenResponse)
    const profile = services.config.compatProfile === undefined ? undefined : COMPAT_PROFILES[services.config.compatProfile]
    await app.register(problemPlugin, profile ? { extra: (error) => problemFields(profile, error, false) } : {})
    // Browser clients (docs/browser-clients.md): each only when configured, so a host app's own plugins are left alone.
    if (services.config.corsOrigins.length > 0) await app.register(corsPlugin, { origins: services.config.corsOrigins })
    if (services.config.authCookies) await app.register(authCookiesPlugin)
    await app.register(authenticatePlugin, { services })
    await app.register(auditPlugin, { services })
    await app.register(async function tesseraRoutes(scope: FastifyInstance) {
      scope.setValidatorCompiler(createValidatorCompiler())
      await scope.register(bodyGuardsPlugin)
      await scope.register(async function rateLimited(limited: FastifyInstance) {
        await limited.register(authRateLimitPlugin, { rule: services.config.rateLimitAuth, redis: services.redis })
        await limited.register(authRoutes, { services })
        await limited.register(mfaChallengeRoutes, { services })
        await limited.register(emailRoutes, { services })
        await limited.register(passkeyRoutes, { services })
        // COMPAT_PROFILE: the profile's routes, rate limited like Tessera's own login (src/compat/).
        if (profile) await limited.register(compatProfileRoutes, { services, profile })
      })
      await scope.register(mfaRoutes, { services })
      await scope.register(adminMfaRoutes, { services })
      await scope.register(meRoutes, { services })
      await scope.register(sessionRoutes, { services })
      await scope.register(adminUserRoutes, { services })
      await scope.register(adminKeyRoutes, { services })
      await scope.register(adminAuditRoutes, { services })
      if (services.config.compatRoutes) await scope.register(compatRoutes, { services })
      await scope.register(wellKnownRoutes, { services })
      await scope.register(introspectRoutes, { services })
      await scope.register(healthRoutes, { services })
      await scope.register(metricsPlugin, { services })
    })
  },
  { name: 'tessera', fastify: '5.x' },
)
