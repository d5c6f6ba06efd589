/**
 * The shape of a JSON text (how deep it nests, how many keys one object has, how many values
 * it holds), measured on the text before it is parsed. JSON.parse of a body under 1 MiB is
 * fast whatever its shape, but everything after it is not: a 500,000-level `variables` or one
 * of 110,000 keys is copied, walked and coerced by every layer that reads variables. Reading
 * the text once, character by character, costs time in proportion to its length only, and
 * stops at the first character past a limit.
 *
 * This is a measure, not a parser: it follows strings (with their escapes) and the
 * brackets, colons and commas outside them, and does not check the grammar. A text that is
 * not JSON is reported by JSON.parse afterwards; for one that is, the counts are exact.
 */

export interface JsonShapeLimits {
  /** Most levels of objects and arrays (the outermost value is level 1). */
  maxDepth: number;
  /** Most keys in one object. */
  maxKeys: number;
  /** Most values in the whole text: objects, arrays, strings, numbers, true, false, null. */
  maxValues: number;
}

export interface JsonShapeExcess {
  limit: 'depth' | 'keys' | 'values';
  /** The count when the measure stopped: the first one past the limit. */
  value: number;
  max: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** Whether a character outside a string begins a number, true, false or null. */
function startsScalar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x74 || c === 0x66 || c === 0x6e;
}

/** Whether a character can continue a number, true, false or null. */
function inScalar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2e || c === 0x2b || c === 0x2d;
}

/** The index of the quote that closes the string opened at `open`, or the text's length. */
function stringEnd(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return text.length;
    // Escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * The first limit the JSON text passes, or null when it keeps within all of them. Work is
 * linear in the text's length; memory is bounded by `maxDepth`.
 */
export function jsonShapeExcess(text: string, limits: JsonShapeLimits): JsonShapeExcess | null {
  // Per open level: whether it is an object, and how many keys it has so far.
  const isObject: boolean[] = [];
  const keys: number[] = [];
  let depth = 0;
  let values = 0;
  // In an object, a string after `{` or `,` is a key; elsewhere a string is a value.
  let expectKey = false;
  const value = (): JsonShapeExcess | null => (++values > limits.maxValues ? { limit: 'values', value: values, max: limits.maxValues } : null);

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      if (expectKey) {
        const count = ++keys[depth - 1]!;
        if (count > limits.maxKeys) return { limit: 'keys', value: count, max: limits.maxKeys };
        expectKey = false;
      } else {
        const excess = value();
        if (excess) return excess;
      }
      i = stringEnd(text, i);
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const excess = value();
      if (excess) return excess;
      if (++depth > limits.maxDepth) return { limit: 'depth', value: depth, max: limits.maxDepth };
      isObject[depth - 1] = c === OPEN_OBJECT;
      keys[depth - 1] = 0;
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = depth > 0 && isObject[depth - 1] === true;
    } else if (c === COLON) {
      expectKey = false;
    } else if (startsScalar(c)) {
      const excess = value();
      if (excess) return excess;
      // Skip the rest of the number or word: one value, however long.
      while (i + 1 < text.length && inScalar(text.charCodeAt(i + 1))) i++;
    }
  }
  return null;
}
