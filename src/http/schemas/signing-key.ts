import { Type } from 'typebox'
import type { KeyInfo } from '../../services/keys/key-store.js'
import { Timestamp } from './common.js'

/** A signing key as admins see it: public information only, never private material. */
export const SigningKey = Type.Object({
  kid: Type.String(),
  algorithm: Type.String({ examples: ['ES256'] }),
  state: Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('expired')], {
    description: '`active` signs new tokens; `retired` still verifies until `verifies_until`; `expired` verifies nothing and is about to be deleted',
  }),
  created_at: Type.Union([Timestamp, Type.Null()], { description: 'Null for a key pinned by JWT_SECRET or JWT_PRIVATE_KEY_FILE' }),
  retired_at: Type.Union([Timestamp, Type.Null()]),
  verifies_until: Type.Union([Timestamp, Type.Null()], { description: 'Null while active' }),
  public_jwk: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], { description: 'As published in the JWKS; null for HS256' }),
})

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function toKeyWire(key: KeyInfo) {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    state: key.state,
    created_at: iso(key.createdAt),
    retired_at: iso(key.retiredAt),
    verifies_until: iso(key.verifiesUntil),
    public_jwk: key.publicJwk,
  }
}
