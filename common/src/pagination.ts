/**
 * Relay-style cursor pagination helpers. A cursor is opaque to clients: base64url of a small
 * JSON object holding the sort key of the last item seen (keyset pagination, stable under
 * inserts; never skip/offset).
 */
import { invalidInput } from './errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Validates `first`: 1..max, default when omitted. */
export function pageSize(first: number | null | undefined, max = MAX_PAGE_SIZE, field = 'first'): number {
  if (first === null || first === undefined) return Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw invalidInput(field, first, `must be a whole number from 1 to ${max}`);
  }
  return first;
}

/**
 * What a cursor field holds: text, a whole number (0 or more), or a time as milliseconds
 * since 1970 that a Date can hold.
 */
export type CursorField = 'string' | 'number' | 'time';

/** The latest time a JavaScript Date can hold, in milliseconds since 1970. */
const MAX_TIME = 8.64e15;

export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by encodeCursor, checking that it holds exactly the expected keys
 * with the expected types; anything else is BAD_USER_INPUT (never reaches a query).
 */
export function decodeCursor<K extends string>(
  cursor: string | null | undefined,
  shape: Record<K, CursorField>,
  field = 'after',
): Record<K, string | number> | null {
  if (cursor === null || cursor === undefined) return null;
  const bad = () => invalidInput(field, cursor, 'not a cursor returned by this API');
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad();
  const entries = Object.entries(parsed as Record<string, unknown>);
  const keys = Object.keys(shape) as K[];
  if (entries.length !== keys.length) throw bad();
  for (const key of keys) {
    const value = (parsed as Record<string, unknown>)[key];
    const kind = shape[key];
    if (typeof value !== (kind === 'string' ? 'string' : 'number')) throw bad();
    if (typeof value === 'string' && (value.startsWith('$') || value.length > 200)) throw bad();
    // Numbers this API writes into cursors are whole and in range; anything else (1e300,
    // -1, 0.5, a time no Date can hold) would silently restart the paging.
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value) || value < 0) throw bad();
      if (kind === 'time' && value > MAX_TIME) throw bad();
    }
  }
  return parsed as Record<K, string | number>;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Builds a connection from up to size + 1 items fetched in order (the extra one only tells
 * whether there is a next page).
 */
export function toConnection<T>(items: T[], size: number, cursorOf: (item: T) => string): Connection<T> {
  const page = items.slice(0, size);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return { edges, pageInfo: { hasNextPage: items.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
