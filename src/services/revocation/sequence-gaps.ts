/**
 * The change feed's view of `revoked_sessions.seq`: the highest sequence
 * number seen, and the numbers below it not seen yet. PostgreSQL and MySQL
 * hand out sequence numbers at insert and make rows visible at commit, so a
 * row may appear after a higher-numbered one; a gap is therefore asked for
 * again on every poll until it fills or `graceMs` passes (a rolled-back
 * insert, or an ignored duplicate, leaves a gap that never fills).
 */
export class SequenceGaps {
  #highest = 0
  readonly #gaps = new Map<number, number>()
  readonly #graceMs: number
  readonly #maxGaps: number

  constructor(graceMs: number, maxGaps = 1000) {
    this.#graceMs = graceMs
    this.#maxGaps = maxGaps
  }

  get highest(): number {
    return this.#highest
  }

  /** Gaps still worth asking for at `now`. */
  pending(now: number): number[] {
    for (const [seq, since] of this.#gaps) if (now - since > this.#graceMs) this.#gaps.delete(seq)
    return [...this.#gaps.keys()]
  }

  /** Records a row the feed has read. */
  saw(seq: number, now: number): void {
    if (seq <= this.#highest) {
      this.#gaps.delete(seq)
      return
    }
    // Only gaps the feed has not passed long ago are tracked; a huge jump (rows pruned) is not a gap.
    for (let missing = Math.max(this.#highest + 1, seq - this.#maxGaps); missing < seq && this.#gaps.size < this.#maxGaps; missing++) {
      if (this.#highest > 0) this.#gaps.set(missing, now)
    }
    this.#highest = seq
  }
}
