import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const
/** Codes of one step before or after now are accepted too (clock drift of a phone). */
export const TOTP_WINDOW = 1
/** RFC 4226 §4: at least 128 bits; 160 (the SHA-1 block output) as the authenticator apps expect. */
const SECRET_BYTES = 20

/** A new random secret, base32 (RFC 4648), as an otpauth URI carries it. */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32
}

function totpFor(secretBase32: string, label = 'account', issuer = 'Tessera'): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secretBase32), ...TOTP_PARAMETERS })
}

/** The `otpauth://totp/...` URI an authenticator app imports (Key Uri Format). */
export function totpUri(secretBase32: string, label: string, issuer: string): string {
  return totpFor(secretBase32, label, issuer).toString()
}

/** The URI as a QR code, an SVG document (what a person scans rather than types). */
export function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
}

/** The RFC 6238 time step of `now` (epoch ms). */
export function timeStep(now: number): number {
  return Math.floor(now / 1000 / TOTP_PARAMETERS.period)
}

/**
 * The time step a code belongs to when it is valid at `now` within ±TOTP_WINDOW, else null.
 * The caller still has to claim the step in storage (a code works once). otpauth compares in
 * constant time.
 */
export function matchTotpStep(secretBase32: string, code: string, now: number): number | null {
  const normalized = code.replace(/[\s-]/g, '')
  if (!/^\d{6}$/.test(normalized)) return null
  const delta = totpFor(secretBase32).validate({ token: normalized, timestamp: now, window: TOTP_WINDOW })
  return delta === null ? null : timeStep(now) + delta
}
