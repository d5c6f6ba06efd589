import { canReadBoard, userError, type Identity } from '@osr/common';

/** Private agreement and review data: the board's own staff with OSR_TOEGANG, support, analysts, services. */
export function requireReadBoard(identity: Identity, boardNummer: string, what: string): void {
  if (!canReadBoard(identity, boardNummer)) {
    throw userError('FORBIDDEN', `Only board ${boardNummer}'s staff with OSR_TOEGANG, support and analysts may read ${what}`);
  }
}
