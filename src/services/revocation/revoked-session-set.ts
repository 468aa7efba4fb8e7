/**
 * The set of revoked session ids with the time each may be forgotten, sized
 * for millions of entries: an open-addressing hash table over typed arrays.
 * A UUID is held as four 32-bit words (16 bytes) plus a 4-byte expiry, about
 * 40 MB per million entries at half load, none of it traced by the garbage
 * collector. A `Map<string, number>` holds the same in about 450 MB.
 *
 * `has` parses the UUID (no allocation beyond four short slices) and probes
 * linearly: O(1). Expired entries are dropped by `sweep()`, which rebuilds the
 * table, so no tombstones are needed.
 */
export class RevokedSessionSet {
  #keys: Uint32Array
  /** Epoch seconds after which the entry is forgotten; 0 marks an empty slot. */
  #until: Uint32Array
  #mask: number
  #size = 0
  /** Ids that are not UUIDs (never issued by Tessera, but the set must still be exact). */
  #other = new Map<string, number>()

  constructor(capacity = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, capacity * 2)))
    this.#keys = new Uint32Array(slots * 4)
    this.#until = new Uint32Array(slots)
    this.#mask = slots - 1
  }

  get size(): number {
    return this.#size + this.#other.size
  }

  /** True when `id` is in the set and not yet expired at `nowSeconds`. */
  has(id: string, nowSeconds: number): boolean {
    const words = toWords(id)
    if (!words) {
      const until = this.#other.get(id)
      return until !== undefined && until > nowSeconds
    }
    const slot = this.#find(words[0], words[1], words[2], words[3])
    return slot >= 0 && this.#until[slot]! > nowSeconds
  }

  /** Adds `id` until `untilSeconds`, or extends an existing entry to the later time. */
  add(id: string, untilSeconds: number): void {
    const words = toWords(id)
    if (!words) {
      this.#other.set(id, Math.max(untilSeconds, this.#other.get(id) ?? 0))
      return
    }
    const existing = this.#find(words[0], words[1], words[2], words[3])
    if (existing >= 0) {
      this.#until[existing] = Math.max(this.#until[existing]!, untilSeconds)
      return
    }
    if ((this.#size + 1) * 2 > this.#until.length) this.#rebuild(this.#until.length * 2, 0)
    this.#insert(words[0], words[1], words[2], words[3], untilSeconds)
  }

  /** Forgets every entry expired at `nowSeconds`. */
  sweep(nowSeconds: number): void {
    for (const [id, until] of this.#other) if (until <= nowSeconds) this.#other.delete(id)
    let live = 0
    for (let slot = 0; slot < this.#until.length; slot++) if (this.#until[slot]! > nowSeconds) live++
    if (live === this.#size) return
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, live * 2)))
    this.#rebuild(Math.max(slots, 16), nowSeconds)
  }

  #find(a: number, b: number, c: number, d: number): number {
    let slot = hash(a, b, c, d) & this.#mask
    for (;;) {
      if (this.#until[slot] === 0) return -1
      const k = slot * 4
      if (this.#keys[k] === a && this.#keys[k + 1] === b && this.#keys[k + 2] === c && this.#keys[k + 3] === d) return slot
      slot = (slot + 1) & this.#mask
    }
  }

  #insert(a: number, b: number, c: number, d: number, until: number): void {
    let slot = hash(a, b, c, d) & this.#mask
    while (this.#until[slot] !== 0) slot = (slot + 1) & this.#mask
    const k = slot * 4
    this.#keys[k] = a
    this.#keys[k + 1] = b
    this.#keys[k + 2] = c
    this.#keys[k + 3] = d
    this.#until[slot] = Math.max(1, until)
    this.#size++
  }

  #rebuild(slots: number, nowSeconds: number): void {
    const keys = this.#keys
    const until = this.#until
    this.#keys = new Uint32Array(slots * 4)
    this.#until = new Uint32Array(slots)
    this.#mask = slots - 1
    this.#size = 0
    for (let slot = 0; slot < until.length; slot++) {
      const expiry = until[slot]!
      if (expiry > nowSeconds) {
        const k = slot * 4
        this.#insert(keys[k]!, keys[k + 1]!, keys[k + 2]!, keys[k + 3]!, expiry)
      }
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The 128 bits of a UUID as four unsigned 32-bit words, or undefined for any other text. */
function toWords(id: string): [number, number, number, number] | undefined {
  if (id.length !== 36 || !UUID.test(id)) return undefined
  return [
    parseInt(id.slice(0, 8), 16) >>> 0,
    parseInt(id.slice(9, 13) + id.slice(14, 18), 16) >>> 0,
    parseInt(id.slice(19, 23) + id.slice(24, 28), 16) >>> 0,
    parseInt(id.slice(28, 36), 16) >>> 0,
  ]
}

/** Mixes all four words (UUIDv7 puts the timestamp first and randomness last). */
function hash(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35)
  h = Math.imul(h ^ c ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ d ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
