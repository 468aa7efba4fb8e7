import type { FastifyReply } from 'fastify'
import type { Services } from '../services/index.js'
import type { IssuedTokens } from '../services/sessions.js'
import { setAuthCookies } from './plugins/cookies.js'
import { noStore } from './request-info.js'
import { toTokenResponse } from './schemas/token-response.js'

/**
 * The token response of a sign-in (RFC 6749 §5.1, `no-store`); with AUTH_COOKIES=on the same
 * tokens also go out as cookies. Notes who signed in for the audit log.
 */
export function sendTokens(services: Services, reply: FastifyReply, issued: IssuedTokens) {
  noStore(reply)
  reply.request.auditNote = { ...reply.request.auditNote, actorId: issued.user.id }
  if (services.config.authCookies) setAuthCookies(reply, services.config, issued, services.csrf.tokenFor(issued.sessionId))
  return toTokenResponse(issued)
}
