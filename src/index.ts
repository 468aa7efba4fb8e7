/**
 * Tessera's library surface: build the server, or register Tessera in your own
 * Fastify app and protect your routes with `app.requireAuth()`.
 *
 * @example
 * ```ts
 * import { buildApp, loadConfig } from 'tessera-auth'
 *
 * const app = await buildApp({ config: loadConfig(process.env) })
 * app.get('/secret', { onRequest: app.requireAuth() }, async () => ({ answer: 42 }))
 * app.get('/admin/report', { onRequest: app.requireAuth({ role: 'admin', fresh: true }) }, async () => ({}))
 * app.post('/payouts', { onRequest: app.requireAuth({ mfa: true }) }, async () => ({})) // two factors (amr)
 * await app.listen({ port: 3000 })
 * ```
 */
export { buildApp, type BuildAppOptions } from './app.js'
export { loadConfig, ConfigError, parseDuration, type Config, type MfaPolicy, type RateRule } from './config.js'
export { AppError, ERROR_CODES, type ErrorCode, type FieldError } from './errors.js'
export { tesseraPlugin, type TesseraPluginOptions } from './plugin.js'
export type { TesseraApi, TesseraAuditEntry, TesseraAuditEvent, TesseraAuditQuery, TesseraSession, TesseraUser } from './http/tessera-api.js'
export type { RequireAuthOptions } from './http/plugins/authenticate.js'
export { sendProblem, problemPlugin } from './http/plugins/problem.js'
export { createServices, type Services } from './services/index.js'
export type { PasskeyAnswerVerifier } from './services/factors/challenge.js'
export type { AuthContext } from './services/access-tokens.js'
export { openStorage, type Storage } from './storage/index.js'
