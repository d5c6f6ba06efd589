/**
 * Who may see which mandate data (shared/docs/architecture.md, identity and access; docs/mandates.md).
 * Denials are FORBIDDEN errors on the field's path, never empty lists that look like data.
 *
 * A school's mandates belong to the board that holds the school *now* (per RIO). The board
 * that gave a mandate keeps read access to it after the school moved away, and to its
 * history for the period it held the school. Access is decided from the caller and the
 * school's boards before any mandate is read; a mandate asked for by id that the caller may
 * not see gets the same answer as one that does not exist.
 */
import { canManageBoard, canReadBoard, todayInNetherlands, userError, type Identity } from '@osr/common';
import type { MandateDocument } from './documents.js';
import { heldOn, type SchoolBoards } from './peers.js';

/** May read everything: support, analysts, and subgraphs acting on their own behalf. */
export function readsAll(identity: Identity): boolean {
  return identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE';
}

/** Board staff with OSR_TOEGANG (for their own board). */
export function boardStaff(identity: Identity): identity is Identity & { board: string } {
  return identity.role === 'BOARD' && identity.board !== null && canManageBoard(identity, identity.board);
}

/** Callers who may see some mandates at all: anyone else is refused before anything is read. */
export function readsSomeMandates(identity: Identity): boolean {
  return readsAll(identity) || identity.role === 'SUPPLIER' || boardStaff(identity);
}

function forbidden(what: string): never {
  throw userError('FORBIDDEN', `You may not see ${what}`);
}

/**
 * How the caller may see a school's mandate data:
 * - 'all': support, analysts, and the staff (OSR_TOEGANG) of the board that holds the school now;
 * - 'given': staff of a board that held the school before: the mandates that board gave;
 * - 'supplier': a supplier (the caller keeps the mandates naming its own systems).
 * Anyone else is refused. `heldBefore` is asked only for staff of another board than the current one.
 */
export async function schoolAccess(
  identity: Identity,
  brin: string,
  currentBoard: string | null | undefined,
  heldBefore: () => Promise<boolean>,
): Promise<'all' | 'given' | 'supplier'> {
  if (readsAll(identity)) return 'all';
  if (identity.role === 'SUPPLIER') return 'supplier';
  if (identity.role === 'BOARD' && !identity.rights.includes('OSR_TOEGANG')) forbidden(`school ${brin}'s mandates: your account lacks the right OSR_TOEGANG`);
  if (boardStaff(identity)) {
    if (currentBoard && currentBoard === identity.board) return 'all';
    if (await heldBefore()) return 'given';
  }
  return forbidden(`the mandates of school ${brin}: it is not a school of your board`);
}

export function boardAccess(identity: Identity, boardNummer: string): void {
  if (canReadBoard(identity, boardNummer)) return;
  if (identity.role === 'BOARD' && identity.board === boardNummer) forbidden(`board ${boardNummer}'s mandates: your account lacks the right OSR_TOEGANG`);
  forbidden(`the mandates of board ${boardNummer}`);
}

/**
 * How the caller may see one mandate: 'all' (readers of all; staff of the board that holds
 * the school now, or of the board that gave a board-level mandate), 'given' (staff of the
 * board that gave it, which no longer holds the school: the mandate, and its history while
 * it held the school), 'supplier' (the supplier whose system it names: no history, no
 * reviewer), or 'none'. The lookups are asked only when needed.
 */
export type MandateAccess = 'all' | 'given' | 'supplier' | 'none';

export async function mandateAccess(
  identity: Identity,
  mandate: MandateDocument,
  lookups: { supplierOfSystem: (systemId: string) => Promise<string | null>; schoolBoards: (brin: string) => Promise<SchoolBoards | null> },
): Promise<MandateAccess> {
  if (readsAll(identity)) return 'all';
  if (identity.role === 'SUPPLIER') return identity.supplier !== null && (await lookups.supplierOfSystem(mandate.systemId)) === identity.supplier ? 'supplier' : 'none';
  if (!boardStaff(identity)) return 'none';
  if (mandate.brin === null) return mandate.boardNummer === identity.board ? 'all' : 'none';
  const school = await lookups.schoolBoards(mandate.brin);
  if (school?.board === identity.board) return 'all';
  return mandate.boardNummer === identity.board ? 'given' : 'none';
}

/**
 * Whether the caller may see the mandate at all (any access but 'none'). The same as
 * mandateAccess, without asking for the school's boards when the caller's board gave it
 * (then it sees it whether or not it still holds the school).
 */
export async function seesMandate(
  identity: Identity,
  mandate: MandateDocument,
  lookups: Parameters<typeof mandateAccess>[2],
): Promise<boolean> {
  if (boardStaff(identity) && mandate.boardNummer === identity.board) return true;
  return (await mandateAccess(identity, mandate, lookups)) !== 'none';
}

/**
 * Whether board staff see a mandate, from the schools their board holds today (looked up by
 * the caller's board, beside the lookup by id, never by the mandate found): their board gave
 * it, or it is of one of those schools. The same rule as seesMandate, with the same work for
 * an id that does not exist and one of another board's school.
 */
export function staffSeesMandate(identity: Identity, mandate: MandateDocument, schoolsNow: ReadonlyMap<string, unknown>): boolean {
  return mandate.boardNummer === identity.board || (mandate.brin !== null && schoolsNow.has(mandate.brin));
}

/** The answer for a mandate id that does not exist or that the caller may not see: the same for both. */
export function mandateNotVisible(id: string): never {
  throw userError('FORBIDDEN', `Mandate ${id} does not exist or you may not see it`);
}

/**
 * Whether a moment falls in a period in which the caller's board held the school: what a
 * board that gave a mandate still sees of its history ('given' access).
 */
export function inOwnPeriod(identity: Identity, school: SchoolBoards | null, at: Date): boolean {
  if (!school || identity.board === null) return false;
  return heldOn(school, identity.board, todayInNetherlands(at));
}
