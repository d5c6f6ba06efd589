/**
 * Who may see which mandate data (architecture.md, identity and access). Denials are
 * FORBIDDEN errors on the field's path, never empty lists that look like data.
 */
import { canReadBoard, userError, type Identity } from '@osr/common';
import type { MandateDocument } from './documents.js';

/** May read everything: support, analysts, and subgraphs acting on their own behalf. */
export function readsAll(identity: Identity): boolean {
  return identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE';
}

function forbidden(what: string): never {
  throw userError('FORBIDDEN', `You may not see ${what}`);
}

/**
 * A school's mandate data: its board's staff with OSR_TOEGANG, support, analysts; a supplier
 * (filtered to its own systems by the caller). Returns 'all' or 'supplier'.
 */
export function schoolAccess(identity: Identity, brin: string, boardNummer: string | null | undefined): 'all' | 'supplier' {
  if (readsAll(identity)) return 'all';
  if (identity.role === 'SUPPLIER') return 'supplier';
  if (identity.role === 'BOARD' && boardNummer && canReadBoard(identity, boardNummer)) return 'all';
  if (identity.role === 'BOARD' && !identity.rights.includes('OSR_TOEGANG')) forbidden(`school ${brin}'s mandates: your account lacks the right OSR_TOEGANG`);
  return forbidden(`the mandates of school ${brin}: it is not a school of your board`);
}

export function boardAccess(identity: Identity, boardNummer: string): void {
  if (canReadBoard(identity, boardNummer)) return;
  if (identity.role === 'BOARD' && identity.board === boardNummer) forbidden(`board ${boardNummer}'s mandates: your account lacks the right OSR_TOEGANG`);
  forbidden(`the mandates of board ${boardNummer}`);
}

/** One mandate: its board(s), readers of all, or the supplier whose system it names. */
export function canSeeMandate(identity: Identity, mandate: MandateDocument, supplierOfSystem: string | null): boolean {
  if (readsAll(identity)) return true;
  if (identity.role === 'SUPPLIER') return supplierOfSystem !== null && supplierOfSystem === identity.supplier;
  return [mandate.boardNummer, ...mandate.reviewBoards].some((b) => canReadBoard(identity, b));
}

/** A mandate's history (names of who changed it): its board(s), support, analysts. */
export function canSeeHistory(identity: Identity, mandate: MandateDocument): boolean {
  if (readsAll(identity)) return true;
  return [mandate.boardNummer, ...mandate.reviewBoards].some((b) => canReadBoard(identity, b));
}
