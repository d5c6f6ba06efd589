/** Helpers for the organisations tests: a fresh database, files as bytes, the feed as rows. */
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { OrganisationsRepository } from '../src/repository.js';
import { databaseUri, freshPrefix } from '../../../test/support/system.js';

export async function freshRepository(): Promise<{ prefix: string; database: Database; repo: OrganisationsRepository }> {
  const prefix = freshPrefix();
  const database = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
  const repo = new OrganisationsRepository(database.db);
  await repo.ensureIndexes();
  return { prefix, database, repo };
}

export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Encodes text as Windows-1252 (the test texts use only Latin-1 letters, which map 1:1). */
export function cp1252(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff || (code >= 0x80 && code < 0xa0)) throw new Error(`not a Latin-1 letter: ${text[i]}`);
    bytes[i] = code;
  }
  return bytes;
}

/** The feed in sequence order, as [kind, subject fields, effectiveDate, description]. */
export async function feedRows(repo: OrganisationsRepository, importId?: string) {
  const docs = await repo.changes.find(importId ? { importId } : {}).sort({ sequence: 1 }).toArray();
  return docs.map((d) => ({
    kind: d.kind,
    bevoegdGezagNummer: d.bevoegdGezagNummer,
    brin: d.brin,
    fromBoard: d.fromBoard,
    toBoard: d.toBoard,
    swvCode: d.swvCode,
    effectiveDate: d.effectiveDate,
    description: d.description,
  }));
}

export async function storedSchool(repo: OrganisationsRepository, brin: string) {
  return repo.schools.findOne({ brin }, { projection: { _id: 0 } });
}

export async function storedBoard(repo: OrganisationsRepository, nummer: string) {
  return repo.boards.findOne({ bevoegdGezagNummer: nummer }, { projection: { _id: 0 } });
}
