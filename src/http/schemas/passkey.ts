import { Type } from 'typebox'
import type { PasskeyRecord } from '../../storage/passkeys.js'
import { Timestamp, Uuid } from './common.js'

/**
 * WebAuthn JSON (Level 3, `PublicKeyCredential.toJSON()`, `parseCreationOptionsFromJSON`).
 * Inner objects admit members not named here: browsers add new ones (`publicKeyAlgorithm`,
 * extension outputs) and a stricter schema would refuse a genuine response. Every binary is
 * base64url; sizes are bounded so nothing unbounded reaches the verifier.
 */
const Base64Url = (maxLength: number) => Type.String({ pattern: '^[A-Za-z0-9_-]*$', maxLength })
const open = { additionalProperties: true } as const

export const PasskeyName = Type.String({ format: 'full-name', minLength: 1, maxLength: 400, description: '1 to 200 characters, NFC; no control or format characters', examples: ['Work laptop'] })

const CredentialCommon = {
  id: Base64Url(1400),
  rawId: Base64Url(1400),
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
  clientExtensionResults: Type.Optional(Type.Object({}, open)),
}

export const RegistrationCredential = Type.Object(
  {
    ...CredentialCommon,
    response: Type.Object(
      {
        clientDataJSON: Base64Url(8192),
        attestationObject: Base64Url(32768),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })),
      },
      open,
    ),
  },
  { ...open, description: 'The `PublicKeyCredential` from `navigator.credentials.create()`, as `toJSON()` gives it' },
)

export const AuthenticationCredential = Type.Object(
  {
    ...CredentialCommon,
    response: Type.Object(
      {
        clientDataJSON: Base64Url(8192),
        authenticatorData: Base64Url(8192),
        signature: Base64Url(2048),
        userHandle: Type.Optional(Base64Url(128)),
      },
      open,
    ),
  },
  { ...open, description: 'The `PublicKeyCredential` from `navigator.credentials.get()`, as `toJSON()` gives it' },
)

const Descriptor = Type.Object({ id: Type.String(), type: Type.String({ examples: ['public-key'] }), transports: Type.Optional(Type.Array(Type.String())) }, open)

export const CreationOptions = Type.Object(
  {
    challenge: Type.String(),
    rp: Type.Object({ id: Type.Optional(Type.String()), name: Type.String() }, open),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }, open),
    pubKeyCredParams: Type.Array(Type.Object({ type: Type.String(), alg: Type.Integer() }, open)),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(Type.Array(Descriptor)),
    authenticatorSelection: Type.Optional(Type.Object({}, open)),
    attestation: Type.Optional(Type.String()),
    extensions: Type.Optional(Type.Object({}, open)),
  },
  { ...open, description: 'PublicKeyCredentialCreationOptionsJSON: give it to `PublicKeyCredential.parseCreationOptionsFromJSON()`' },
)

export const RequestOptions = Type.Object(
  {
    challenge: Type.String(),
    rpId: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.Integer()),
    allowCredentials: Type.Optional(Type.Array(Descriptor)),
    userVerification: Type.Optional(Type.String()),
    extensions: Type.Optional(Type.Object({}, open)),
  },
  { ...open, description: 'PublicKeyCredentialRequestOptionsJSON: give it to `PublicKeyCredential.parseRequestOptionsFromJSON()`' },
)

export const Passkey = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    created_at: Timestamp,
    last_used_at: Type.Union([Timestamp, Type.Null()]),
  },
  { description: "A passkey of the user; `id` is Tessera's, not the credential id" },
)

export function toPasskeyWire(passkey: PasskeyRecord) {
  return {
    id: passkey.id,
    name: passkey.name,
    created_at: new Date(passkey.createdAt).toISOString(),
    last_used_at: passkey.lastUsedAt === null ? null : new Date(passkey.lastUsedAt).toISOString(),
  }
}
