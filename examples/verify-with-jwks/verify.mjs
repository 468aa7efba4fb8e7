#!/usr/bin/env node
// A service that is not Tessera checks a Tessera access token with `jose` alone:
// the public keys come from Tessera's JWKS, no secret is shared.
//
//   node examples/verify-with-jwks/verify.mjs <tessera-url> <access-token>
//
// Prints the verified header and claims as one JSON line and exits 0, or prints
// `invalid: <jose error code>` on stderr and exits 1. JWT_ISSUER and
// JWT_AUDIENCE (default `tessera`, as Tessera's own defaults) must match the
// server's settings.
import { createRemoteJWKSet, jwtVerify } from 'jose'

const [base, token] = process.argv.slice(2)
if (!base || !token) {
  process.stderr.write('usage: node verify.mjs <tessera-url> <access-token>\n')
  process.exit(2)
}

// Fetched on first use and cached (jose refetches when a token names a kid it has not seen, at most every 30 s).
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', base))

try {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: process.env.JWT_ISSUER || 'tessera',
    audience: process.env.JWT_AUDIENCE || 'tessera',
    // RFC 9068: only access tokens, never another JWT signed with the same key.
    typ: 'at+jwt',
  })
  process.stdout.write(`${JSON.stringify({ header: protectedHeader, payload })}\n`)
} catch (error) {
  process.stderr.write(`invalid: ${error?.code ?? error?.message ?? String(error)}\n`)
  process.exit(1)
}
