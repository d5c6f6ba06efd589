/**
 * Agreement use cases: the rules (who may, which transition, which document, which dates).
 * Every change is a compare-and-set on `version` followed by a history entry.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import {
  bevoegdGezagNummerProblem,
  canManageBoard,
  canReadBoard,
  invalidInput,
  isoDateProblem,
  todayInNetherlands,
  userError,
  type Identity,
  type PeerClient,
} from '@osr/common';
import type {
  AgreementAction,
  AgreementDocument,
  AgreementType,
  ContractDocumentEntry,
  ServiceCode,
  SignatureEntry,
} from './documents.js';
import { checkTransition, inForceOn, liveKeyOf, servicesOn, withSignedExtensions, type Transition } from './lifecycle.js';
import type { AgreementsRepository } from './repository.js';
import { contentHashOf, type SigningProvider, type WebhookPayload, type WebhookSigner } from './signing.js';

/** Who does something, as recorded in history. */
export interface Actor {
  id: string;
  name: string;
  role: string;
}

export function actorOf(identity: Identity): Actor {
  return { id: identity.sub, name: identity.name || identity.sub, role: identity.role };
}

export interface DocumentInput {
  title: string;
  content: string;
}

export interface RequestAgreementInput {
  bevoegdGezagNummer: string;
  type: AgreementType;
  services: ServiceCode[];
  validUntil?: string | null;
  document?: DocumentInput | null;
  note?: string | null;
}

/** Someone signing: a board's staff member through the API, or a provider's callback. */
export interface Signer {
  id: string;
  name: string;
  role: string;
  board: string | null;
  rights: readonly string[];
  provider: string;
  /** for a provider callback: the reference it got when the document was sent */
  reference?: string;
}

const MAX_TITLE = 200;
const MAX_CONTENT = 100_000;
const MAX_NOTE = 1_000;
const HASH = /^[0-9a-f]{64}$/;

export const SIGNING_RIGHT = 'KENNISNET_ONDERTEKENEN';

/**
 * A new agreement's id: random, never built from the board, type or parent (an id anyone can
 * work out from public data invites guessing). Ids given before stay as they are.
 */
export function newAgreementId(): string {
  return `a-${randomUUID()}`;
}

function forbidden(message: string) {
  return userError('FORBIDDEN', message);
}

function notFound(id: string) {
  return userError('NOT_FOUND', `No agreement with id ${JSON.stringify(id)}`, { id });
}

function checkNote(field: string, note: string | null | undefined, required = false): string | null {
  const text = note?.trim() ?? '';
  if (required && !text) throw invalidInput(field, note ?? null, 'must not be empty');
  if (text.length > MAX_NOTE) throw invalidInput(field, `${text.slice(0, 40)}…`, `at most ${MAX_NOTE} characters`);
  // control characters other than tab and line breaks are no text (and PostgreSQL cannot store NUL)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) throw invalidInput(field, null, 'must be text without control characters');
  }
  return text || null;
}

function checkDocument(input: DocumentInput): DocumentInput {
  const title = input.title.trim();
  if (!title || title.length > MAX_TITLE) throw invalidInput('document.title', input.title, `1 to ${MAX_TITLE} characters`);
  if (!input.content.trim()) throw invalidInput('document.content', '', 'must not be empty');
  if (input.content.length > MAX_CONTENT) throw invalidInput('document.content', `${input.content.slice(0, 40)}…`, `at most ${MAX_CONTENT} characters`);
  return { title, content: input.content };
}

const TYPE_NAMES: Record<AgreementType, string> = {
  OSR_USER: 'Gebruikersovereenkomst Onderwijs Serviceregister',
  OSO: 'Overeenkomst OSO',
  ENTREE: 'Overeenkomst Entree Federatie',
  NUMMERVOORZIENING: 'Overeenkomst Nummervoorziening',
};

/** The standard text when the requester gives none. */
export function standardDocument(type: AgreementType, board: string, services: readonly ServiceCode[], extension = false): DocumentInput {
  const title = extension ? 'Uitbreiding overeenkomst OSO met OSO Samenwerkingsverbanden' : TYPE_NAMES[type];
  const lines = [
    title,
    '',
    `Partijen: het bevoegd gezag met nummer ${board} en Stichting Kennisnet.`,
    services.length ? `Diensten: ${services.join(', ')}.` : 'Diensten: gebruik van het Onderwijs Serviceregister.',
    extension
      ? 'De uitbreiding geldt vanaf de dag van ondertekening, voor alle scholen van het bevoegd gezag.'
      : 'De overeenkomst geldt vanaf de dag van ondertekening, voor alle scholen van het bevoegd gezag.',
  ];
  return { title, content: lines.join('\n') };
}

export function checkServices(type: AgreementType, services: readonly ServiceCode[]): ServiceCode[] {
  const unique = [...new Set(services)];
  if (unique.length !== services.length) throw invalidInput('services', services, 'lists a service twice');
  if (type === 'OSO') {
    const other = unique.filter((s) => s !== 'OSO_OV' && s !== 'OSO_SWV');
    if (other.length) throw invalidInput('services', services, `an OSO agreement covers OSO_OV and OSO_SWV only, not ${other.join(', ')}`);
    if (!unique.includes('OSO_OV')) throw invalidInput('services', services, 'an OSO agreement covers OSO_OV (OSO_SWV is added to it)');
    return (['OSO_OV', 'OSO_SWV'] as ServiceCode[]).filter((s) => unique.includes(s));
  }
  if (unique.length) throw invalidInput('services', services, `a ${type} agreement covers no chain services; leave services empty`);
  return [];
}

/** What the register (RIO, through the organisations subgraph) knows of a board. */
export interface BoardDirectory {
  find(bevoegdGezagNummer: string): Promise<{ endDate: string | null } | null>;
}

/** The organisations subgraph's API as a board directory. */
export function boardDirectory(organisations: PeerClient): BoardDirectory {
  return {
    async find(bevoegdGezagNummer) {
      const data = await organisations.request<{ board: { endDate: string | null } | null }>(
        'query ($n: ID!) { board(bevoegdGezagNummer: $n) { endDate } }',
        { n: bevoegdGezagNummer },
      );
      return data.board;
    },
  };
}

export class AgreementsService implements WebhookSigner {
  constructor(
    private readonly repo: AgreementsRepository,
    private readonly provider: SigningProvider,
    /** checks that a board exists in RIO before it requests an agreement; none: not checked */
    private readonly boards: BoardDirectory | null = null,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private today(): string {
    return todayInNetherlands(this.clock());
  }

  async get(id: string): Promise<AgreementDocument> {
    if (id.length > 64) throw invalidInput('id', id, 'an agreement id is at most 64 characters');
    const agreement = await this.repo.findAgreement(id);
    if (!agreement) throw notFound(id);
    return agreement;
  }

  /**
   * An agreement the caller may change: support (NOT_FOUND for a missing id) or staff with
   * OSR_TOEGANG of the agreement's board. Anyone else is refused before anything is read,
   * and board staff get one answer, naming no board, for a missing id and another board's.
   */
  private async getManaged(identity: Identity, id: string): Promise<AgreementDocument> {
    const staff = identity.role === 'BOARD' && identity.board !== null && canManageBoard(identity, identity.board);
    if (identity.role !== 'SUPPORT' && !staff) throw forbidden('Only staff of a board with the right OSR_TOEGANG, or support, may change agreements');
    if (id.length > 64) throw invalidInput('id', id, 'an agreement id is at most 64 characters');
    const agreement = await this.repo.findAgreement(id);
    if (identity.role === 'SUPPORT') {
      if (!agreement) throw notFound(id);
      return agreement;
    }
    if (!agreement || !canManageBoard(identity, agreement.boardNummer)) throw forbidden(`Agreement ${id} does not exist or is not yours to change`);
    return agreement;
  }

  /**
   * Applies a transition: legal from the current status, on the version the caller saw,
   * compare-and-set on the stored version, then one history entry.
   */
  private async transition(
    actor: Actor,
    agreement: AgreementDocument,
    transition: Transition,
    set: Partial<AgreementDocument>,
    note: string | null,
    expectedVersion: number | null | undefined,
  ): Promise<AgreementDocument> {
    if (expectedVersion !== null && expectedVersion !== undefined && expectedVersion !== agreement.version) {
      throw userError('CONFLICT', `Agreement ${agreement.id} was changed since you read it (you had version ${expectedVersion}, it is now version ${agreement.version}, ${agreement.status}); read it again`, {
        id: agreement.id,
        version: agreement.version,
        status: agreement.status,
      });
    }
    const check = checkTransition(agreement.status, transition);
    if (!check.ok) {
      throw userError('CONFLICT', `Agreement ${agreement.id}: ${check.reason}`, {
        id: agreement.id,
        status: agreement.status,
        allowedFrom: check.allowedFrom,
      });
    }
    const now = this.clock();
    const after = this.nextVersion(agreement, { ...set, status: check.to }, now);
    await this.commit(actor, agreement, after, check.action, note);
    return after;
  }

  private nextVersion(agreement: AgreementDocument, set: Partial<AgreementDocument>, now: Date): AgreementDocument {
    const next = { ...agreement, ...set, version: agreement.version + 1, updatedAt: now };
    return { ...next, liveKey: liveKeyOf(next) };
  }

  /** Claims the next version in history (one writer wins), then writes the agreement. */
  private async commit(actor: Actor, before: AgreementDocument, after: AgreementDocument, action: AgreementAction, note: string | null): Promise<void> {
    const claimed = await this.repo.claimVersion({
      agreementId: after.id,
      version: after.version,
      at: after.updatedAt,
      by: actor.name,
      byId: actor.id,
      role: actor.role,
      action,
      from: before.status,
      to: after.status,
      note,
      before,
      after,
    });
    if (!claimed) {
      const winner = await this.repo.findHistoryEntry(after.id, after.version);
      await this.repo.rollForward(after.id);
      const signed = winner?.action === 'SIGNED' ? ` (signed by ${winner.by} at ${winner.at.toISOString()})` : '';
      throw userError('CONFLICT', `Agreement ${after.id} was changed by someone else at the same time: ${winner ? `${winner.action} by ${winner.by}, now ${winner.to}` : 'read it again'}${signed}`, {
        id: after.id,
        status: winner?.to ?? null,
        version: after.version,
      });
    }
    await this.repo.writeAgreementVersion(after, before.version);
  }

  private newDocument(version: number, input: DocumentInput, actor: Actor): ContractDocumentEntry {
    return { version, title: input.title, content: input.content, contentHash: contentHashOf(input.content), addedAt: this.clock(), addedBy: actor.name };
  }

  private async create(actor: Actor, doc: AgreementDocument, action: 'REQUESTED' | 'IMPORTED', note: string | null): Promise<AgreementDocument | null> {
    if (!(await this.repo.insertAgreement(doc))) return null;
    await this.repo.claimVersion({
      agreementId: doc.id,
      version: doc.version,
      at: doc.createdAt,
      by: actor.name,
      byId: actor.id,
      role: actor.role,
      action,
      from: null,
      to: doc.status,
      note,
      before: null,
      after: doc,
    });
    return doc;
  }

  private async liveAgreementOf(board: string, type: AgreementType): Promise<AgreementDocument | null> {
    const all = await this.repo.findAgreementsOfBoards([board]);
    return all.find((a) => !a.extensionOf && a.type === type && a.liveKey === `${board}:${type}`) ?? null;
  }

  async requestAgreement(identity: Identity, input: RequestAgreementInput): Promise<AgreementDocument> {
    const board = input.bevoegdGezagNummer;
    const problem = bevoegdGezagNummerProblem(board);
    if (problem) throw invalidInput('bevoegdGezagNummer', board, problem);
    if (!canManageBoard(identity, board)) {
      throw forbidden(`Only staff of board ${board} with the right OSR_TOEGANG, or support, may request an agreement for it`);
    }
    const services = checkServices(input.type, input.services);
    const today = this.today();
    if (this.boards) {
      const known = await this.boards.find(board);
      if (!known) throw userError('NOT_FOUND', `RIO does not know board ${board}; a board must be registered in RIO before it makes agreements`, { bevoegdGezagNummer: board });
      if (known.endDate !== null && known.endDate < today) throw userError('CONFLICT', `Board ${board} closed on ${known.endDate}; it cannot make new agreements`);
    }
    if (input.validUntil) {
      const p = isoDateProblem(input.validUntil);
      if (p) throw invalidInput('validUntil', input.validUntil, p);
      if (input.validUntil < today) throw invalidInput('validUntil', input.validUntil, `the last day in force cannot lie before today (${today})`);
    }
    const note = checkNote('note', input.note);
    const actor = actorOf(identity);
    const document = checkDocument(input.document ?? standardDocument(input.type, board, services));
    const now = this.clock();
    const doc: AgreementDocument = {
      id: newAgreementId(),
      boardNummer: board,
      type: input.type,
      status: 'REQUESTED',
      services,
      validFrom: null,
      validUntil: input.validUntil ?? null,
      signedAt: null,
      signedBy: null,
      imported: false,
      version: 1,
      createdAt: now,
      updatedAt: now,
      serviceStarts: [],
      extensionOf: null,
      documents: [this.newDocument(1, document, actor)],
      signing: null,
      signature: null,
      liveKey: `${board}:${input.type}`,
    };
    const created = await this.create(actor, doc, 'REQUESTED', note);
    if (!created) {
      const live = await this.liveAgreementOf(board, input.type);
      throw userError('CONFLICT', `Board ${board} already has a live ${input.type} agreement${live ? ` (${live.id}, ${live.status})` : ''}; one per board and type`, {
        existingId: live?.id ?? null,
      });
    }
    return created;
  }

  async updateDocument(identity: Identity, id: string, input: DocumentInput, expectedVersion?: number | null): Promise<AgreementDocument> {
    if (identity.role !== 'SUPPORT') throw forbidden('Only Kennisnet support may change the text of an agreement');
    const agreement = await this.get(id);
    const document = checkDocument(input);
    const documents = agreement.documents ?? [];
    const entry = this.newDocument((documents.at(-1)?.version ?? 0) + 1, document, actorOf(identity));
    return this.transition(actorOf(identity), agreement, 'UPDATE_DOCUMENT', { documents: [...documents, entry] }, `version ${entry.version}: ${entry.title}`, expectedVersion);
  }

  async sendForSignature(identity: Identity, id: string, expectedVersion?: number | null): Promise<AgreementDocument> {
    if (identity.role !== 'SUPPORT') throw forbidden('Only Kennisnet support sends agreements for signature');
    const agreement = await this.get(id);
    const check = checkTransition(agreement.status, 'SEND');
    if (!check.ok) throw userError('CONFLICT', `Agreement ${id}: ${check.reason}`, { id, status: agreement.status, allowedFrom: check.allowedFrom });
    if (agreement.extensionOf) await this.requireExtendable(agreement.extensionOf);
    const document = agreement.documents?.at(-1);
    if (!document) throw userError('CONFLICT', `Agreement ${id} has no text to send; add one with updateAgreementDocument`);
    const { reference } = await this.provider.send({
      agreementId: id,
      documentVersion: document.version,
      contentHash: document.contentHash,
      signerBoard: agreement.boardNummer,
      title: document.title,
    });
    const signing = {
      documentVersion: document.version,
      contentHash: document.contentHash,
      signerBoard: agreement.boardNummer,
      sentAt: this.clock(),
      sentBy: actorOf(identity).name,
      provider: this.provider.name,
      reference,
    };
    return this.transition(actorOf(identity), agreement, 'SEND', { signing }, `document version ${document.version}, sha256 ${document.contentHash}`, expectedVersion);
  }

  /** Signing through the API: staff of the agreement's board with KENNISNET_ONDERTEKENEN. */
  signAgreement(identity: Identity, id: string, contentHash: string, expectedVersion?: number | null): Promise<AgreementDocument> {
    return this.sign(
      { id: identity.sub, name: identity.name || identity.sub, role: identity.role, board: identity.board, rights: identity.rights, provider: 'LOCAL' },
      id,
      contentHash,
      expectedVersion,
    );
  }

  /** A provider's verified callback: the signer it identified signed the text it was sent. */
  async signFromWebhook(payload: WebhookPayload): Promise<{ id: string; status: string; version: number }> {
    const signed = await this.sign(
      { id: payload.signer.id, name: payload.signer.name, role: 'BOARD', board: payload.signer.board, rights: payload.signer.rights, provider: 'WEBHOOK', reference: payload.reference },
      payload.agreementId,
      payload.contentHash,
      null,
    );
    return { id: signed.id, status: signed.status, version: signed.version };
  }

  /**
   * The signer's right is checked before anything is read; a missing id and another board's
   * agreement get one answer, naming no board.
   */
  private async sign(signer: Signer, id: string, contentHash: string, expectedVersion: number | null | undefined): Promise<AgreementDocument> {
    if (signer.role !== 'BOARD' || signer.board === null || !signer.rights.includes(SIGNING_RIGHT)) {
      throw forbidden(`Only board staff with the right ${SIGNING_RIGHT} may sign agreements`);
    }
    if (id.length > 64) throw invalidInput('id', id, 'an agreement id is at most 64 characters');
    const agreement = await this.repo.findAgreement(id);
    if (!agreement || agreement.boardNummer !== signer.board) throw forbidden(`Agreement ${id} does not exist or is not yours to sign`);
    if (!HASH.test(contentHash)) throw invalidInput('contentHash', contentHash, 'the SHA-256 of the signed text: 64 lower-case hex digits');
    const check = checkTransition(agreement.status, 'SIGN');
    if (!check.ok) {
      const by = agreement.signature ? ` (signed by ${agreement.signature.signerName} at ${agreement.signature.signedAt.toISOString()})` : '';
      throw userError('CONFLICT', `Agreement ${id}: ${check.reason}${by}`, { id, status: agreement.status, allowedFrom: check.allowedFrom });
    }
    const signing = agreement.signing;
    const current = agreement.documents?.at(-1);
    if (!signing || !current) throw userError('CONFLICT', `Agreement ${id} was not sent for signature`);
    if (signer.reference !== undefined && signer.reference !== signing.reference) {
      throw userError('CONFLICT', `The callback's reference ${JSON.stringify(signer.reference)} is not the signing request's reference`);
    }
    if (signing.signerBoard !== signer.board) {
      throw forbidden(`Agreement ${id} was sent to the signers of board ${signing.signerBoard}`);
    }
    if (current.version !== signing.documentVersion || current.contentHash !== signing.contentHash) {
      throw userError('CONFLICT', `The text of agreement ${id} changed after it was sent for signature (sent: version ${signing.documentVersion}, now version ${current.version}); it must be sent for signature again`, {
        sentVersion: signing.documentVersion,
        currentVersion: current.version,
      });
    }
    if (contentHash !== signing.contentHash) {
      throw userError('CONFLICT', `The text signed (sha256 ${contentHash}) is not the text sent for signature (sha256 ${signing.contentHash})`, {
        sentHash: signing.contentHash,
      });
    }
    const today = this.today();
    if (agreement.validUntil !== null && agreement.validUntil < today) {
      throw userError('CONFLICT', `Agreement ${id} ended on ${agreement.validUntil}; it can no longer be signed`);
    }
    let parent: AgreementDocument | null = null;
    if (agreement.extensionOf) parent = await this.requireExtendable(agreement.extensionOf);

    const now = this.clock();
    const signature: SignatureEntry = {
      signerName: signer.name,
      signerId: signer.id,
      board: agreement.boardNummer,
      signedAt: now,
      contentHash,
      documentVersion: current.version,
      provider: signer.provider,
    };
    const actor = { id: signer.id, name: signer.name, role: signer.role };
    const signed = await this.transition(
      actor,
      agreement,
      'SIGN',
      { signature, signedAt: now, signedBy: signer.name, validFrom: agreement.validFrom ?? today },
      `sha256 ${contentHash} via ${signer.provider}`,
      expectedVersion,
    );
    if (parent) await this.applyExtension(actor, parent.id, signed, today);
    return signed;
  }

  /** The agreement an SWV extension extends: signed OSO, in force, without OSO_SWV yet. */
  private async requireExtendable(parentId: string): Promise<AgreementDocument> {
    const parent = await this.get(parentId);
    if (parent.type !== 'OSO' || parent.status !== 'SIGNED' || !inForceOn(parent, this.today())) {
      throw userError('CONFLICT', `Agreement ${parentId} is not a signed OSO agreement in force (it is ${parent.type}, ${parent.status}); only those can be extended with OSO SWV`);
    }
    if (parent.services.includes('OSO_SWV')) throw userError('CONFLICT', `Agreement ${parentId} already covers OSO_SWV`);
    return parent;
  }

  /** Adds OSO_SWV to the extended agreement from the signing day (retried on concurrent edits). */
  private async applyExtension(actor: Actor, parentId: string, extension: AgreementDocument, from: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const parent = await this.get(parentId);
      if (parent.services.includes('OSO_SWV')) return;
      const after = this.nextVersion(
        parent,
        { services: [...parent.services, 'OSO_SWV'], serviceStarts: [...(parent.serviceStarts ?? []), { service: 'OSO_SWV', from }] },
        this.clock(),
      );
      try {
        await this.commit(actor, parent, after, 'EXTENDED', `OSO_SWV from ${from} (extension ${extension.id})`);
        return;
      } catch (err) {
        if (!(err instanceof GraphQLError && err.extensions['code'] === 'CONFLICT')) throw err;
      }
    }
    throw userError('CONFLICT', `Agreement ${parentId} kept changing; extension ${extension.id} is signed but OSO_SWV could not be added yet: try again`);
  }

  async requestSwvExtension(identity: Identity, agreementId: string, note?: string | null): Promise<AgreementDocument> {
    const parent = await this.getManaged(identity, agreementId);
    if (parent.extensionOf) throw invalidInput('agreementId', agreementId, 'is itself an extension request; extend the agreement it extends');
    await this.requireExtendable(agreementId);
    const actor = actorOf(identity);
    const now = this.clock();
    const doc: AgreementDocument = {
      id: newAgreementId(),
      boardNummer: parent.boardNummer,
      type: 'OSO',
      status: 'REQUESTED',
      services: ['OSO_SWV'],
      validFrom: null,
      validUntil: null,
      signedAt: null,
      signedBy: null,
      imported: false,
      version: 1,
      createdAt: now,
      updatedAt: now,
      serviceStarts: [],
      extensionOf: parent.id,
      documents: [this.newDocument(1, standardDocument('OSO', parent.boardNummer, ['OSO_SWV'], true), actor)],
      signing: null,
      signature: null,
      liveKey: `extension:${parent.id}`,
    };
    const created = await this.create(actor, doc, 'REQUESTED', checkNote('note', note));
    if (!created) {
      const open = (await this.repo.findExtensionsOf([parent.id])).find((e) => e.liveKey === `extension:${parent.id}`);
      throw userError('CONFLICT', `Agreement ${parent.id} already has an open SWV extension request${open ? ` (${open.id}, ${open.status})` : ''}`);
    }
    return created;
  }

  async terminate(identity: Identity, id: string, endDate: string, reason: string, expectedVersion?: number | null): Promise<AgreementDocument> {
    const agreement = await this.getManaged(identity, id);
    if (agreement.extensionOf) throw invalidInput('id', id, `is an SWV extension request; terminate agreement ${agreement.extensionOf} instead, or withdraw the request`);
    const note = checkNote('reason', reason, true);
    const today = this.today();
    if (endDate < today) throw invalidInput('endDate', endDate, `the last day in force cannot lie in the past (today is ${today})`);
    if (agreement.validFrom && endDate < agreement.validFrom) throw invalidInput('endDate', endDate, `lies before the agreement's first day ${agreement.validFrom}`);
    if (agreement.validUntil && endDate > agreement.validUntil) throw invalidInput('endDate', endDate, `lies after the agreement's last day ${agreement.validUntil}`);
    return this.transition(actorOf(identity), agreement, 'TERMINATE', { validUntil: endDate }, note, expectedVersion);
  }

  async withdraw(identity: Identity, id: string, reason: string | null | undefined, expectedVersion?: number | null): Promise<AgreementDocument> {
    const agreement = await this.getManaged(identity, id);
    return this.transition(actorOf(identity), agreement, 'WITHDRAW', {}, checkNote('reason', reason), expectedVersion);
  }

  async expire(identity: Identity, asOf: string | null | undefined): Promise<AgreementDocument[]> {
    if (identity.role !== 'SUPPORT') throw forbidden('Only Kennisnet support may expire agreements');
    const date = asOf ?? this.today();
    const expired: AgreementDocument[] = [];
    for (const agreement of await this.repo.findExpiring(date)) {
      try {
        expired.push(await this.transition(actorOf(identity), agreement, 'EXPIRE', {}, `last day ${agreement.validUntil}`, null));
      } catch (err) {
        // changed meanwhile: the next run looks at it again
        if (!(err instanceof GraphQLError)) throw err;
      }
    }
    return expired;
  }

  /**
   * Adds OSO_SWV to agreements whose extension was signed but which were not updated (the
   * process stopped in between); run at start. Returns the ids repaired.
   */
  async repairExtensions(): Promise<string[]> {
    const repaired: string[] = [];
    for (const extension of await this.repo.findSignedExtensions()) {
      const parent = await this.repo.findAgreement(extension.extensionOf as string);
      if (!parent || extension.services.every((s) => parent.services.includes(s)) || !extension.validFrom) continue;
      const actor = { id: extension.signature?.signerId ?? 'repair', name: extension.signedBy ?? 'repair', role: 'SERVICE' };
      await this.applyExtension(actor, parent.id, extension, extension.validFrom);
      repaired.push(parent.id);
    }
    return repaired;
  }

  /** Does board B's agreement cover service D on date T? */
  async coverage(identity: Identity, board: string, service: ServiceCode, date: string): Promise<{ covered: boolean; agreement: AgreementDocument | null }> {
    const problem = bevoegdGezagNummerProblem(board);
    if (problem) throw invalidInput('bevoegdGezagNummer', board, problem);
    if (!canReadBoard(identity, board)) {
      throw forbidden(`Only board ${board}'s staff with OSR_TOEGANG, support, analysts and services may ask what its agreements cover`);
    }
    const agreements = await this.repo.findAgreementsOfBoards([board]);
    const covering = agreements.find((a) => servicesOn(withSignedExtensions(a, agreements), date).includes(service)) ?? null;
    return { covered: covering !== null, agreement: covering };
  }
}
