/**
 * Recognises the plain JavaScript objects that the AMF encoders accept as anonymous objects.
 *
 * @module
 */

/** True for `{}` literals and `Object.create(null)` objects. */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
