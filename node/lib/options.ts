/**
 * Unknown options are refused: a misspelt key (`timeoutMs` for `timeout`) would otherwise be
 * ignored and its default used silently. Each options interface has one runtime list of its
 * keys, typed {@link Keys} so that the compiler refuses a list that misses a key of the
 * interface or names one it lacks: the list and the declaration cannot drift apart.
 */
import { invalidInput } from './errors';

/** Every key of `T`, and of each member when `T` is a union. */
type KeysOf<T> = T extends unknown ? keyof T : never;

/** The keys an object of type `T` may have, written `{key: true, …}`: exactly those of `T`. */
export type Keys<T> = Readonly<Record<KeysOf<T>, true>>;

/**
 * Throws a `MailError` with code `EINVAL` naming the first own key of `value` that
 * `allowed` lacks; `what` names the object (`'idle options'`). `undefined` and `null` pass
 * (an omitted options object); anything else that is not an object is refused.
 */
export function checkKeys<T>(value: T, allowed: Keys<T>, what: string): T {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput(`${what} must be an object`);
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(allowed, key)) {
      throw invalidInput(`unknown option ${JSON.stringify(key)} in ${what} (known: ${Object.keys(allowed).join(', ')})`);
    }
  }
  return value;
}
