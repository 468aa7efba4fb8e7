import type * as SimpleWebAuthn from '@simplewebauthn/server'

// @simplewebauthn/server, with its CBOR, ASN.1 and X.509 dependencies, is about 20 MB of
// resident memory once imported, and most deployments have few passkey ceremonies or none: it is
// imported at the first one (issue 19), as the database drivers are in storage/connect.ts.
//
// A missing package is an install error, which should stop the start rather than answer the
// first passkey request with a 500. Resolving the specifier finds the package on disk without
// evaluating it, so it costs nothing here and a broken install fails at start, naming the package.
// (WebAuthn is always configured, derived from PUBLIC_URL, so "warm it when configured" would
// mean always.)
import.meta.resolve('@simplewebauthn/server')

let loading: Promise<typeof SimpleWebAuthn> | undefined

/** The library, imported once, at the first call. */
export function loadWebauthn(): Promise<typeof SimpleWebAuthn> {
  loading ??= import('@simplewebauthn/server')
  return loading
}
