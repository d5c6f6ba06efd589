import DataLoader from 'dataloader';

/**
 * A per-request loader for documents with a unique key: all keys asked for in one tick
 * become one call of `fetch` (a `$in` query, or equality finds in parallel: findEach).
 * Missing keys resolve to null.
 */
export function uniqueLoader<T>(
  fetch: (keys: readonly string[]) => Promise<T[]>,
  keyOf: (doc: T) => string,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (keys) => {
    const docs = await fetch(keys);
    const byKey = new Map(docs.map((d) => [keyOf(d), d]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/**
 * A per-request loader for the documents belonging to a key (e.g. the schools of a board):
 * one call of `fetch` for all keys, grouped afterwards, its order kept within each group.
 */
export function groupLoader<T>(
  fetch: (keys: readonly string[]) => Promise<T[]>,
  groupsOf: (doc: T) => readonly string[] | string,
): DataLoader<string, T[]> {
  return new DataLoader<string, T[]>(async (keys) => {
    const docs = await fetch(keys);
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const doc of docs) {
      const g = groupsOf(doc);
      for (const key of typeof g === 'string' ? [g] : g) groups.get(key)?.push(doc);
    }
    return keys.map((k) => groups.get(k) ?? []);
  });
}

/** How many equality finds one batch keeps in flight (the driver's pool holds 20 connections). */
export const FIND_CONCURRENCY = 16;

/**
 * A batch as equality finds in parallel, at most `concurrency` at a time, results in key
 * order: what FerretDB over PostgreSQL answers by index (docs/data-access.md), where one
 * `$in` over the same keys reads the whole collection. Duplicate keys are asked once.
 * A text key holding a NUL character is not asked at all: nothing stored holds one (PostgreSQL
 * text cannot), and FerretDB would answer the pushed-down equality with an error.
 */
export async function findEach<K, T>(
  keys: readonly K[],
  find: (key: K) => Promise<T[]>,
  concurrency: number = FIND_CONCURRENCY,
): Promise<T[]> {
  const unique = [...new Set(keys)].filter((key) => typeof key !== 'string' || !key.includes('\u0000'));
  const results: T[][] = new Array<T[]>(unique.length);
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const i = next++;
      results[i] = await find(unique[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, unique.length) }, worker));
  return results.flat();
}
