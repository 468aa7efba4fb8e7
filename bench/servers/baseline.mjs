// The machine's ceiling for one Node process: a bare node:http server answering a small JSON body.
import { createServer } from 'node:http'

const body = JSON.stringify({ answer: 42 })
const server = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
  response.end(body)
})
server.keepAliveTimeout = 72_000
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address()
  console.log(JSON.stringify({ msg: 'tessera listening', url: `http://127.0.0.1:${port}` }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
