import { isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'
import type { ClientInfo } from '../services/sessions.js'

export function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent']
  return { ip: storableAddress(request.ip), userAgent: typeof userAgent === 'string' ? userAgent : null }
}

/**
 * Behind TRUST_PROXY, `request.ip` is whatever the proxy's X-Forwarded-For said:
 * only an IP address is kept with a session (the column holds 64 characters; a
 * long string there was a 500 on PostgreSQL and MySQL, issue 14).
 */
function storableAddress(ip: string | undefined): string | null {
  return ip !== undefined && isIP(ip) !== 0 && ip.length <= 64 ? ip : null
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
