import { randomUUID } from 'node:crypto'
import type { Storage } from '../../../src/storage/index.js'
import type { DialectUnderTest } from '../dialects.js'

/** What every group of cases gets: the dialect, and its storage once `before` has opened it. */
export interface Suite {
  dialect: DialectUnderTest
  readonly url: string
  readonly storage: Storage
}

/** Every case makes its own rows, so cases never depend on one another's data. */
export function uniqueId(): string {
  return randomUUID()
}

/** A timestamp past 2^32 ms, so a BIGINT that came back truncated or as a string would show. */
export const T0 = 1_795_000_000_123
