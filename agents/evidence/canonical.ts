/**
 * The canonical suffix array of the proof index (docs/evidence-game.md §1.2) from the engine's
 * SA-IS (agents/engines/suffix/shard.ts), in linear time.
 *
 * The contributions are laid out as one engine shard (each followed by a terminator) and sorted
 * by `sortShard`. Its order is the canonical one except among suffixes that are equal up to and
 * including their terminator: the engine's terminators are one symbol, so it orders those by the
 * text after the terminator, while the canonical order takes position ascending. Such suffixes are
 * adjacent in the engine's array (anything between two of them shares "bytes ‖ terminator"), so a
 * Kasai pass (LCP of each suffix with its predecessor, computed in text order, capped at the
 * terminator) finds the groups and each group is sorted by position. Positions then drop the
 * terminators: g = p − (contributions before p).
 *
 * Limit: one shard, so n + contributions ≤ SHARD_LIMIT (2^31 − 2) bytes.
 * Memory: text 1 + engine array 4 + rank array 4 + ISA 4 bytes per corpus byte.
 */
import { SHARD_LIMIT } from "../engines/suffix/index.ts";
import { layoutShardText, sortShard, terminatorPositions } from "../engines/suffix/shard.ts";

export interface CanonicalArrays {
  /** rank → position (positions in the concatenation without terminators) */
  readonly sa: Uint32Array;
  /** position → rank */
  readonly isa: Uint32Array;
}

/** The first terminator at or after p (its index in ends). */
const contributionOf = (ends: Uint32Array, p: number): number => {
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ends[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** SA and ISA of the concatenation of `contents` (in the given order) under the canonical order. */
export const canonicalArrays = (contents: ReadonlyArray<Uint8Array>): CanonicalArrays => {
  const lengths = contents.map((c) => c.length);
  const n = lengths.reduce((sum, length) => sum + length, 0);
  if (n === 0) return { sa: new Uint32Array(0), isa: new Uint32Array(0) };
  if (n + contents.length > SHARD_LIMIT) {
    throw new RangeError(`a proof index holds at most ${SHARD_LIMIT} bytes plus one per contribution`);
  }
  const text = layoutShardText(contents);
  const ends = terminatorPositions(lengths);
  const size = text.length;
  const sa = sortShard(text, ends);
  const rankOf = new Int32Array(size);
  for (let r = 0; r < n; r++) rankOf[sa[r]!] = r;

  // Kasai, capped at the terminator: same[r] when suffix sa[r] equals sa[r − 1] through its terminator.
  const same = new Uint8Array((n + 7) >>> 3);
  for (let p = 0, d = 0, h = 0; p < size; p++) {
    const end = ends[d]!;
    if (p === end) {
      d++;
      h = 0;
      continue;
    }
    const r = rankOf[p]!;
    if (r === 0) {
      h = 0;
      continue;
    }
    const q = sa[r - 1]!;
    const remP = end - p;
    const remQ = ends[contributionOf(ends, q)]! - q;
    const cap = Math.min(remP, remQ);
    // below the cap neither side is at a terminator, so raw bytes compare like the engine's symbols
    while (h < cap && text[p + h] === text[q + h]) h++;
    if (h === remP && remP === remQ) same[r >>> 3]! |= 1 << (r & 7);
    if (h > 0) h--;
  }
  const isSame = (r: number): boolean => (same[r >>> 3]! & (1 << (r & 7))) !== 0;
  for (let r = 1; r < n; ) {
    if (!isSame(r)) {
      r++;
      continue;
    }
    const lo = r - 1;
    let hi = r + 1;
    while (hi < n && isSame(hi)) hi++;
    sa.subarray(lo, hi).sort();
    for (let i = lo; i < hi; i++) rankOf[sa[i]!] = i;
    r = hi;
  }

  const isa = new Uint32Array(n);
  for (let p = 0, g = 0, d = 0; p < size; p++) {
    if (p === ends[d]) {
      d++;
      continue;
    }
    isa[g++] = rankOf[p]!;
  }
  for (let g = 0; g < n; g++) sa[isa[g]!] = g;
  return { sa, isa };
};
