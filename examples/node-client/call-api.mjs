// Logs in to Tessera with tessera-auth/client and calls a protected route of your API.
//
//   TESSERA_URL=http://127.0.0.1:3000 TESSERA_EMAIL=ada@example.com TESSERA_PASSWORD='correct horse battery' \
//     node examples/node-client/call-api.mjs /secret
//
// The path (default /secret, a route of examples/protected-api) is fetched from TESSERA_URL, or
// from API_URL when your API is not the Tessera server itself. The client refreshes the access
// token by itself; the script logs out at the end so it leaves no session behind.
// Exit codes: 0 done, 1 Tessera refused (the problem code is printed), 2 bad usage.

import { createTesseraClient, TesseraError } from 'tessera-auth/client'

const { TESSERA_URL, TESSERA_EMAIL, TESSERA_PASSWORD, API_URL } = process.env
const path = process.argv[2] ?? '/secret'

if (!TESSERA_URL || !TESSERA_EMAIL || !TESSERA_PASSWORD) {
  process.stderr.write('usage: TESSERA_URL=... TESSERA_EMAIL=... TESSERA_PASSWORD=... node call-api.mjs [path]\n')
  process.exit(2)
}

const tessera = createTesseraClient({ baseUrl: TESSERA_URL, apiOrigins: API_URL ? [API_URL] : [] })
tessera.on('refreshed', () => process.stderr.write('access token refreshed\n'))

try {
  const user = await tessera.login({ email: TESSERA_EMAIL, password: TESSERA_PASSWORD })
  process.stderr.write(`signed in as ${user.email}\n`)
  const response = await tessera.fetch(new URL(path, API_URL ?? TESSERA_URL))
  process.stdout.write(`${response.status} ${await response.text()}\n`)
  await tessera.logout()
  process.exit(response.ok ? 0 : 1)
} catch (error) {
  if (!(error instanceof TesseraError)) throw error
  process.stderr.write(`tessera: ${error.code}: ${error.detail}${error.retryAfter === undefined ? '' : ` (retry in ${error.retryAfter} s)`}\n`)
  process.exit(1)
}
