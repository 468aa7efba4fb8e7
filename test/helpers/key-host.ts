import type { AddressInfo } from 'node:net'
import { createServer as createHttpServer } from 'node:http'

export interface KeyHost {
  url: string
  /** Requests received so far: a test asserts 0 to prove a header URL was never fetched. */
  requests(): number
  close(): Promise<void>
}

/** A local HTTP server that counts every request, standing in for an attacker's key URL (`jku`, `x5u`). */
export async function startKeyHost(): Promise<KeyHost> {
  let count = 0
  const server = createHttpServer((_request, response) => {
    count++
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ keys: [] }))
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests: () => count, close: () => new Promise<void>((done) => server.close(() => done())) }
}

