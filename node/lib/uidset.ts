/**
 * `UidSet`: UIDs kept as ranges, as the server sent them. `VANISHED 1:100000` is one range
 * here, never an array of 100,000 numbers: nothing in this class expands a range unless
 * the caller iterates it.
 */

import { invalidInput } from './errors';

const MAX_UID = 0xffffffff;

/** A `[first, last]` pair of UIDs, inclusive. */
export type UidRange = readonly [first: number, last: number];

function checkUid(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_UID) {
    throw invalidInput(`${String(n)} is not a UID (1 .. 2**32-1)`);
  }
  return n;
}

/**
 * An immutable set of UIDs held as inclusive ranges (`sync().vanished`, the `uids` of an
 * `expunge` event). `size` counts them, `has(uid)` tests one, `for…of` yields them one at a
 * time in ascending order, `toString()` gives the IMAP syntax (`'1:5,7'`), which every
 * method taking UIDs accepts back.
 *
 * ```js
 * const { vanished } = await client.sync('INBOX', state);
 * for (const [first, last] of vanished.ranges) cache.deleteRange(first, last);
 * if (vanished.has(42)) …
 * ```
 */
export class UidSet implements Iterable<number> {
  readonly #ranges: ReadonlyArray<UidRange>;
  readonly #size: number;

  /**
   * A set from inclusive `[first, last]` ranges in any order (a range may be given
   * backwards); overlapping and adjacent ranges are merged. Throws a `MailError` with code
   * `EINVAL` for a value that is not a UID, 0 included (as in every face).
   */
  constructor(ranges: Iterable<readonly [number, number]> = []) {
    const list: Array<[number, number]> = [];
    for (const r of ranges) {
      let a = checkUid(r[0]);
      let b = checkUid(r[1]);
      if (a > b) [a, b] = [b, a];
      if (a === 0) throw invalidInput('UID 0 does not exist: UIDs start at 1');
      list.push([a, b]);
    }
    list.sort((x, y) => x[0] - y[0]);
    const merged: Array<[number, number]> = [];
    for (const [a, b] of list) {
      const last = merged[merged.length - 1];
      if (last !== undefined && a <= last[1] + 1) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    this.#ranges = Object.freeze(merged.map((r) => Object.freeze(r) as UidRange));
    this.#size = merged.reduce((n, [a, b]) => n + (b - a + 1), 0);
  }

  /**
   * The inclusive `[first, last]` ranges, ascending and disjoint (frozen); a `last` of
   * 4294967295 means `*` (up to the highest UID).
   */
  get ranges(): ReadonlyArray<UidRange> {
    return this.#ranges;
  }

  /** How many UIDs the set holds (counted from the ranges, not by expanding them). */
  get size(): number {
    return this.#size;
  }

  /** Whether `uid` is in the set (a binary search over the ranges). */
  has(uid: number): boolean {
    if (!Number.isInteger(uid)) return false;
    let lo = 0;
    let hi = this.#ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const [a, b] = this.#ranges[mid];
      if (uid < a) hi = mid - 1;
      else if (uid > b) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** The UIDs in ascending order, one at a time (no array is built). */
  *[Symbol.iterator](): IterableIterator<number> {
    for (const [a, b] of this.#ranges) {
      for (let u = a; u <= b; u++) yield u;
    }
  }

  /** The set in IMAP syntax: `'1:5,7'`, `'10:*'`; `''` when empty. */
  toString(): string {
    return this.#ranges.map(([a, b]) => (b === MAX_UID ? `${a}:*` : a === b ? `${a}` : `${a}:${b}`)).join(',');
  }

  /** `JSON.stringify` writes the IMAP syntax (a string any UID argument accepts back). */
  toJSON(): string {
    return this.toString();
  }

  /** `console.log` shows `UidSet(1:5,7)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `UidSet(${this.toString()})`;
  }
}
