// When a failed call is worth one refresh and one retry.
import type { ClientMode } from './transport.js'

/**
 * Problem codes after which one refresh and one retry may help: an expired access token; a revoked
 * one (revoked by time, as a role change does, the session lives on; if the session itself has
 * ended, the refresh says so and the client signs out).
 */
export function isRefreshable(code: string, mode: ClientMode): boolean {
  if (code === 'token_expired' || code === 'token_revoked') return true
  // In cookie mode the browser drops the access cookie when it expires, so the server sees no credentials at all.
  return mode === 'cookies' && code === 'authorization_required'
}

/** The `code` of a problem+json answer, if it is one. */
export async function problemCode(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.json()
    return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string' ? (body as { code: string }).code : undefined
  } catch {
    return undefined
  }
}
