import { canReadBoard, userError, type Identity } from '@osr/common';

/** Private agreement and review data: the board's own staff with OSR_TOEGANG, support, analysts, services. */
export function requireReadBoard(identity: Identity, boardNummer: string, what: string): void {
  if (!canReadBoard(identity, boardNummer)) {
    throw userError('FORBIDDEN', `Only board ${boardNummer}'s staff with OSR_TOEGANG, support and analysts may read ${what}`);
  }
}

/** Reads every board's agreements: support, analysts, services. */
export function readsAllAgreements(identity: Identity): boolean {
  return identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE';
}

/**
 * An agreement asked for by id. Callers who read no agreements at all are refused before
 * anything is read; for board staff an agreement that does not exist and another board's
 * get the same answer, which names no board. Readers of all get null for a missing id.
 */
export async function agreementById<T extends { boardNummer: string }>(identity: Identity, id: string, load: (id: string) => Promise<T | null>): Promise<T | null> {
  const wide = readsAllAgreements(identity);
  const staff = identity.role === 'BOARD' && identity.board !== null && canReadBoard(identity, identity.board);
  if (!wide && !staff) {
    const why = identity.role === 'BOARD' ? 'your account lacks the right OSR_TOEGANG' : "only a board's staff with OSR_TOEGANG, support and analysts read agreements";
    throw userError('FORBIDDEN', `You may not read agreements: ${why}`);
  }
  const agreement = await load(id);
  if (wide) return agreement;
  if (!agreement || !canReadBoard(identity, agreement.boardNummer)) throw userError('FORBIDDEN', `Agreement ${id} does not exist or you may not read it`);
  return agreement;
}
