import type { FastifyReply } from 'fastify'
import type { Services } from '../services/index.js'
import type { IssuedTokens } from '../services/sessions.js'
import { setAuthCookies } from './plugins/cookies.js'
import { noStore } from './request-info.js'
import { toTokenResponse } from './schemas/token-response.js'

/**
 * The token response of every way in (register, login, refresh, second-factor challenge):
 * no-store, the actor for the audit log, and with AUTH_COOKIES=on the same tokens as cookies
 * (the body is unchanged).
 */
export function sendTokens(services: Services, reply: FastifyReply, issued: IssuedTokens) {
  noStore(reply)
  reply.request.auditNote = { ...reply.request.auditNote, actorId: issued.user.id }
  if (services.config.authCookies) setAuthCookies(reply, services.config, issued, services.csrf.tokenFor(issued.sessionId))
  return toTokenResponse(issued)
}
