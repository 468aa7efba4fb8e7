import type { FastifyRequest } from 'fastify'
import type { ClientInfo } from '../services/sessions.js'

export function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent']
  return { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null }
}

/** Token responses and anything carrying account data must not be cached (RFC 6749 §5.1). */
export function noStore(reply: { header(name: string, value: string): unknown }): void {
  reply.header('cache-control', 'no-store')
  reply.header('pragma', 'no-cache')
}

/** An `onSend` hook marking every answer of a scope `no-store` (the admin routes: all of them carry account data). */
export async function noStoreHook(_request: unknown, reply: { header(name: string, value: string): unknown }, payload: unknown): Promise<unknown> {
  noStore(reply)
  return payload
}
