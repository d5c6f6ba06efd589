/**
 * The reads the API's loaders and the domain make of mandates, their history and the
 * aanleverpunten, as one interface: the repositories answer them from the database (one
 * `$in`, keyset or `$group` query each); the embedded database's read model (src/read-model/)
 * implements the same interface over them, answering from what it keeps in memory.
 */
import type { AanleverpuntDocument, MandateDocument, MandateHistoryDocument, ServiceCode } from '../documents.js';
import type { AanleverpuntenRepository } from './aanleverpunten.js';
import type { ChangedMandatesPage, ChangedMandatesQuery, MandatesRepository } from './mandates.js';

export interface MandateReads {
  /** The mandates with these ids, in the order of the ids. */
  findMandates(ids: readonly string[]): Promise<MandateDocument[]>;
  /** Per school in the order of `brins`, each school's by service, start and id. */
  findMandatesOfSchools(brins: readonly string[], services: readonly ServiceCode[] | null): Promise<MandateDocument[]>;
  /** Per board in the order of `boards`, each board's by school, service, start and id. */
  findMandatesOfBoards(boards: readonly string[], services: readonly ServiceCode[] | null): Promise<MandateDocument[]>;
  /** A page of the supplier feed in change order (updatedAt, id). */
  findChangedMandates(query: ChangedMandatesQuery): Promise<ChangedMandatesPage>;
  /** The recorded changes of these mandates, once each, by slot and sequence. */
  historyOf(mandateIds: readonly string[]): Promise<MandateHistoryDocument[]>;
  /** Per school in the order of `brins`, each school's aanleverpunten by number. */
  aanleverpuntenOfSchools(brins: readonly string[]): Promise<AanleverpuntDocument[]>;
}

/** The reads answered by the database. */
export function databaseReads(mandates: MandatesRepository, aanleverpunten: AanleverpuntenRepository): MandateReads {
  return {
    findMandates: (ids) => mandates.findMandates(ids),
    findMandatesOfSchools: (brins, services) => mandates.findMandatesOfSchools(brins, services),
    findMandatesOfBoards: (boards, services) => mandates.findMandatesOfBoards(boards, services),
    findChangedMandates: (query) => mandates.findChangedMandates(query),
    historyOf: (ids) => mandates.store.historyOf(ids),
    aanleverpuntenOfSchools: (brins) => aanleverpunten.ofSchools(brins),
  };
}
