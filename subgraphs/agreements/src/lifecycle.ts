/**
 * The agreement lifecycle as a state machine, and what an agreement covers on a date.
 * Pure functions: the use cases (agreements.ts) apply them, the tests state them.
 *
 *   REQUESTED → SENT_FOR_SIGNATURE → SIGNED → TERMINATED | EXPIRED
 *   REQUESTED | SENT_FOR_SIGNATURE → WITHDRAWN
 *   SENT_FOR_SIGNATURE → SENT_FOR_SIGNATURE (sent again after the text changed)
 */
import type { AgreementAction, AgreementDocument, AgreementStatus, ServiceCode } from './documents.js';

export type Transition = 'SEND' | 'SIGN' | 'TERMINATE' | 'EXPIRE' | 'WITHDRAW' | 'UPDATE_DOCUMENT';

const TRANSITIONS: Record<Transition, { from: AgreementStatus[]; to: AgreementStatus | null; action: AgreementAction }> = {
  SEND: { from: ['REQUESTED', 'SENT_FOR_SIGNATURE'], to: 'SENT_FOR_SIGNATURE', action: 'SENT_FOR_SIGNATURE' },
  SIGN: { from: ['SENT_FOR_SIGNATURE'], to: 'SIGNED', action: 'SIGNED' },
  TERMINATE: { from: ['SIGNED'], to: 'TERMINATED', action: 'TERMINATED' },
  EXPIRE: { from: ['SIGNED'], to: 'EXPIRED', action: 'EXPIRED' },
  WITHDRAW: { from: ['REQUESTED', 'SENT_FOR_SIGNATURE'], to: 'WITHDRAWN', action: 'WITHDRAWN' },
  // the status stays as it is
  UPDATE_DOCUMENT: { from: ['REQUESTED', 'SENT_FOR_SIGNATURE'], to: null, action: 'DOCUMENT_UPDATED' },
};

const VERB: Record<Transition, string> = {
  SEND: 'send for signature',
  SIGN: 'sign',
  TERMINATE: 'terminate',
  EXPIRE: 'expire',
  WITHDRAW: 'withdraw',
  UPDATE_DOCUMENT: 'change the text of',
};

export const FINAL_STATUSES: readonly AgreementStatus[] = ['TERMINATED', 'EXPIRED', 'WITHDRAWN'];
/** Statuses in which an agreement has been signed (it covers its services for its period). */
export const SIGNED_STATUSES: readonly AgreementStatus[] = ['SIGNED', 'TERMINATED', 'EXPIRED'];

export type TransitionCheck =
  | { ok: true; to: AgreementStatus; action: AgreementAction }
  | { ok: false; reason: string; allowedFrom: AgreementStatus[] };

/** Whether `transition` may happen in `status`, and the status it leads to. */
export function checkTransition(status: AgreementStatus, transition: Transition): TransitionCheck {
  const rule = TRANSITIONS[transition];
  if (!rule.from.includes(status)) {
    return {
      ok: false,
      allowedFrom: rule.from,
      reason: `cannot ${VERB[transition]} an agreement that is ${status}: only when it is ${rule.from.join(' or ')}`,
    };
  }
  return { ok: true, to: rule.to ?? status, action: rule.action };
}

/** `board:type` while live, so that a board has one live agreement per type (unique index). */
export function liveKeyOf(agreement: Pick<AgreementDocument, 'id' | 'boardNummer' | 'type' | 'status' | 'extensionOf'>): string {
  if (agreement.extensionOf) {
    // One open extension request per agreement; a signed one has done its work.
    return ['REQUESTED', 'SENT_FOR_SIGNATURE'].includes(agreement.status)
      ? `extension:${agreement.extensionOf}`
      : `closed:${agreement.id}`;
  }
  return FINAL_STATUSES.includes(agreement.status) ? `closed:${agreement.id}` : `${agreement.boardNummer}:${agreement.type}`;
}

/** True when the agreement was in force on `date` (signed, and date within its period). */
export function inForceOn(agreement: AgreementDocument, date: string): boolean {
  if (agreement.extensionOf) return false;
  if (!SIGNED_STATUSES.includes(agreement.status)) return false;
  if (agreement.validFrom === null || date < agreement.validFrom) return false;
  return agreement.validUntil === null || date <= agreement.validUntil;
}

/** The services the agreement covered on `date` (OSO_SWV only from the extension's signing day). */
export function servicesOn(agreement: AgreementDocument, date: string): ServiceCode[] {
  if (!inForceOn(agreement, date)) return [];
  const starts = agreement.serviceStarts ?? [];
  return agreement.services.filter((service) => {
    const start = starts.find((s) => s.service === service);
    return !start || start.from <= date;
  });
}

/**
 * The agreement with what its signed extensions add, for the short moment (or after a crash)
 * in which an extension is signed but the agreement itself not yet updated.
 */
export function withSignedExtensions(agreement: AgreementDocument, all: readonly AgreementDocument[]): AgreementDocument {
  const extensions = all.filter((e) => e.extensionOf === agreement.id && e.status === 'SIGNED' && e.validFrom !== null);
  let result = agreement;
  for (const extension of extensions) {
    for (const service of extension.services) {
      if (result.services.includes(service)) continue;
      result = {
        ...result,
        services: [...result.services, service],
        serviceStarts: [...(result.serviceStarts ?? []), { service, from: extension.validFrom as string }],
      };
    }
  }
  return result;
}
