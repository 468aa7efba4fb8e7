// Shared pieces of the client tests: a storage the test can look into, a fetch that records
// what the client sent, and an account made over plain HTTP (not through the client under test).
import { memoryStorage, type RefreshTokenStorage } from '../../src/client/index.js'

/** A memory storage whose current token the test can read and overwrite. */
export function inspectableStorage(): RefreshTokenStorage & { token(): string | null; put(token: string): void } {
  const inner = memoryStorage()
  return {
    get: () => inner.get(),
    set: (token) => inner.set(token),
    clear: () => inner.clear(),
    token: () => inner.get() as string | null,
    put: (token) => void inner.set(token),
  }
}

export interface RecordedRequest {
  method: string
  path: string
  authorization: string | null
  body: string
  status: number
  code: string | undefined
}

/** `fetch`, recording every request and the problem code of every failed answer. */
export function recordingFetch(): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = []
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const body = request.body === null ? '' : await request.clone().text()
    const response = await fetch(request)
    let code: string | undefined
    if (!response.ok) code = ((await response.clone().json().catch(() => ({}))) as { code?: string }).code
    requests.push({ method: request.method, path: new URL(request.url).pathname, authorization: request.headers.get('authorization'), body, status: response.status, code })
    return response
  }
  return { fetch: recording, requests }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
