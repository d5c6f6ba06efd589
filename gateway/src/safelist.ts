/**
 * Safelist (operation allow-list) for supplier integrations: in safelist mode only the
 * operations registered in a manifest may run. Each operation is identified by the SHA-256 of
 * its text, the same hash automatic persisted queries use, so a client may send the hash only.
 *
 * Manifest: { "operations": [ { "name": "SupplierMandates", "query": "query SupplierMandates ..." } ] }
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';

export type SafelistMode = 'off' | 'suppliers' | 'all';

export interface SafelistedOperation {
  name: string;
  query: string;
  sha256: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function loadSafelist(path: string): SafelistedOperation[] {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { operations?: { name?: unknown; query?: unknown }[] };
  if (!Array.isArray(manifest.operations)) throw new Error(`${path}: expected { "operations": [...] }`);
  return manifest.operations.map((op, i) => {
    if (typeof op.name !== 'string' || typeof op.query !== 'string') throw new Error(`${path}: operation ${i} needs a name and a query`);
    parse(op.query); // a manifest with a broken operation stops the gateway at start
    return { name: op.name, query: op.query, sha256: sha256(op.query) };
  });
}

export function safelistApplies(mode: SafelistMode, role: string): boolean {
  return mode === 'all' || (mode === 'suppliers' && role === 'SUPPLIER');
}
