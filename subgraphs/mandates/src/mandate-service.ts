/**
 * Use cases of the mandates subgraph: the rules (dates, overlaps, rights, RIO membership,
 * agreement coverage) around the write path in mandate-store.ts.
 */
import { randomUUID } from 'node:crypto';
import {
  bevoegdGezagNummerProblem,
  brinProblem,
  canManageBoard,
  dayBefore,
  invalidInput,
  userError,
  type Identity,
} from '@osr/common';
import { assertSystemOpenOn } from './catalogue.js';
import type { MandateChangeDocument, MandateDocument, ServiceCode, ServiceDocument, SystemDocument } from './documents.js';
import { slotKeyOf, type Actor, type MandateStore } from './mandate-store.js';
import type { AgreementsApi, OrganisationsApi } from './peers.js';
import type { MandatesRepository } from './repository.js';

/** Services whose mandates need an agreement in force that covers them (managed by the OSR). */
export const AGREEMENT_SERVICES: readonly ServiceCode[] = ['OSO_OV', 'OSO_SWV'];

const MAX_ID_LENGTH = 64;

export interface GrantInput {
  service: ServiceCode;
  systemId: string;
  brin?: string | null;
  bevoegdGezagNummer: string;
  startDate: string;
  endDate?: string | null;
}

export interface EndInput {
  id: string;
  endDate: string;
  expectedVersion: number;
}

export interface SwitchInput {
  brin: string;
  service: ServiceCode;
  fromSystemId: string;
  toSystemId: string;
  startDate: string;
}

export function actorOf(identity: Identity): Actor {
  return { sub: identity.sub, name: identity.name, role: identity.role };
}

/** Date ranges [start, end] (end null = open) overlap. */
export function rangesOverlap(a: { startDate: string; endDate: string | null }, b: { startDate: string; endDate: string | null }): boolean {
  return a.startDate <= (b.endDate ?? '9999-12-31') && b.startDate <= (a.endDate ?? '9999-12-31');
}

function requireWriter(identity: Identity): void {
  if (identity.role !== 'BOARD' && identity.role !== 'SUPPORT') {
    throw userError('FORBIDDEN', `Role ${identity.role} cannot change mandates; only board staff with OSR_TOEGANG and support can`);
  }
}

function checkId(field: string, value: string): void {
  if (value.length === 0 || value.length > MAX_ID_LENGTH) throw invalidInput(field, value, `must be 1 to ${MAX_ID_LENGTH} characters`);
}

export class MandateService {
  constructor(
    private readonly repository: MandatesRepository,
    private readonly store: MandateStore,
    private readonly organisations: OrganisationsApi,
    private readonly agreements: AgreementsApi,
    private readonly today: () => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async service(code: ServiceCode): Promise<ServiceDocument> {
    const [service] = await this.repository.findServices([code]);
    if (!service) throw userError('NOT_FOUND', `Service ${code} is not in the catalogue`);
    return service;
  }

  private async system(field: string, id: string, service: ServiceCode): Promise<SystemDocument> {
    checkId(field, id);
    const [system] = await this.repository.findSystems([id]);
    if (!system) throw userError('NOT_FOUND', `System ${JSON.stringify(id)} is not registered`, { field });
    if (!system.services.includes(service)) {
      throw userError('BAD_USER_INPUT', `System ${system.name} (${id}) does not support service ${service}`, { field, value: id });
    }
    return system;
  }

  /** The school must exist in RIO and belong to the board on the date. */
  private async checkSchoolBoard(brin: string, board: string, date: string): Promise<void> {
    const school = await this.organisations.schoolOn(brin, date);
    if (!school) throw userError('NOT_FOUND', `School ${brin} is not in RIO`, { field: 'brin', value: brin });
    if (school.boardOn !== board) {
      const actual = school.boardOn ? `it belonged to board ${school.boardOn}` : 'it was not registered in RIO then';
      throw userError('BAD_USER_INPUT', `School ${brin} did not belong to board ${board} on ${date}: ${actual}`, {
        field: 'bevoegdGezagNummer',
        value: board,
      });
    }
  }

  private async checkAgreement(board: string, service: ServiceCode, date: string): Promise<void> {
    if (!AGREEMENT_SERVICES.includes(service)) return;
    const covered = await this.agreements.covers(board, service, date);
    if (!covered) {
      const hint = service === 'OSO_SWV' ? 'request the OSO SWV extension of the OSO agreement' : 'request an OSO agreement';
      throw userError('FORBIDDEN', `Board ${board} has no agreement covering ${service} on ${date}: ${hint} via Kennisnet Support`, {
        reason: 'NO_AGREEMENT',
      });
    }
  }

  private newMandate(fields: Omit<MandateDocument, 'id' | 'version' | 'createdAt' | 'createdBy' | 'updatedAt' | 'lastReviewedAt' | 'lastReviewedBy' | 'reviewReasons' | 'reviewBoards' | 'slotKey'>, actor: Actor, at: Date): MandateDocument {
    return {
      id: randomUUID(),
      ...fields,
      version: 1,
      createdAt: at,
      createdBy: actor.name,
      updatedAt: at,
      lastReviewedAt: null,
      lastReviewedBy: null,
      reviewReasons: [],
      reviewBoards: [],
      slotKey: slotKeyOf(fields),
    };
  }

  async grant(input: GrantInput, identity: Identity): Promise<MandateDocument[]> {
    requireWriter(identity);
    const board = input.bevoegdGezagNummer;
    const bp = bevoegdGezagNummerProblem(board);
    if (bp) throw invalidInput('bevoegdGezagNummer', board, bp);
    const brin = input.brin ?? null;
    if (brin !== null) {
      const p = brinProblem(brin);
      if (p) throw invalidInput('brin', brin, p);
    }
    const endDate = input.endDate ?? null;
    if (endDate !== null && endDate < input.startDate) throw invalidInput('endDate', endDate, `ends before it starts (${input.startDate})`);
    if (!canManageBoard(identity, board)) {
      throw userError('FORBIDDEN', `Only staff of board ${board} with the right OSR_TOEGANG, or support, may give its mandates`);
    }
    const service = await this.service(input.service);
    if (service.mandateLevel === 'SCHOOL' && brin === null) throw invalidInput('brin', null, `${service.code} mandates are given per school: name the school`);
    if (service.mandateLevel === 'BOARD' && brin !== null) throw invalidInput('brin', brin, `${service.code} mandates are given per board: omit the school`);
    const system = await this.system('systemId', input.systemId, service.code);
    assertSystemOpenOn(system, input.startDate);

    // Cheap local check first (the commit checks again, authoritatively).
    const candidate = { systemId: system.id, startDate: input.startDate, endDate };
    const slotKey = slotKeyOf({ brin, boardNummer: board, serviceCode: service.code });
    const clashing = (await this.store.readSlot(slotKey)).mandates.find((m) => m.systemId === system.id && rangesOverlap(m, candidate));
    if (clashing) throw this.overlap(system.name, brin ?? `board ${board}`, service.code, clashing);

    if (brin !== null) await this.checkSchoolBoard(brin, board, input.startDate);
    else if (!(await this.organisations.boardExists(board))) throw userError('NOT_FOUND', `Board ${board} is not in RIO`);
    await this.checkAgreement(board, service.code, input.startDate);

    const actor = actorOf(identity);
    const at = this.now();
    const mandate = this.newMandate(
      { serviceCode: service.code, systemId: system.id, brin, boardNummer: board, startDate: input.startDate, endDate, origin: 'OSR' },
      actor,
      at,
    );
    return this.store.change(
      mandate.slotKey,
      (state) => {
        const clash = state.mandates.find((m) => m.systemId === system.id && rangesOverlap(m, mandate));
        if (clash) throw this.overlap(system.name, brin ?? `board ${board}`, service.code, clash);
        return [{ mandateId: mandate.id, action: 'CREATED', before: null, after: mandate }];
      },
      actor,
      { now: () => at },
    );
  }

  private overlap(systemName: string, subject: string, service: ServiceCode, clash: MandateDocument) {
    return userError(
      'CONFLICT',
      `System ${systemName} already has a mandate for ${subject} in ${service} from ${clash.startDate}${clash.endDate ? ` to ${clash.endDate}` : ''} (${clash.id}); the dates overlap`,
      { conflictingMandate: clash.id },
    );
  }

  private async load(id: string): Promise<MandateDocument> {
    checkId('id', id);
    const [mandate] = await this.repository.findMandates([id]);
    if (!mandate) throw userError('NOT_FOUND', `Mandate ${id} does not exist`);
    return mandate;
  }

  private requireManage(identity: Identity, mandate: MandateDocument): void {
    requireWriter(identity);
    const boards = [mandate.boardNummer, ...mandate.reviewBoards];
    if (!boards.some((b) => canManageBoard(identity, b))) {
      throw userError('FORBIDDEN', `Only staff of board ${mandate.boardNummer} with the right OSR_TOEGANG, or support, may change mandate ${mandate.id}`);
    }
  }

  async end(input: EndInput, identity: Identity): Promise<MandateDocument[]> {
    const mandate = await this.load(input.id);
    this.requireManage(identity, mandate);
    if (identity.role !== 'SUPPORT' && input.endDate < dayBefore(this.today())) {
      throw invalidInput('endDate', input.endDate, 'a board cannot end a mandate before yesterday; ask support to correct the past');
    }
    const actor = actorOf(identity);
    const at = this.now();
    return this.store.change(
      mandate.slotKey,
      (state) => {
        const current = state.mandates.find((m) => m.id === input.id);
        if (!current) throw userError('NOT_FOUND', `Mandate ${input.id} does not exist`);
        if (current.version !== input.expectedVersion) {
          throw userError('CONFLICT', `Mandate ${input.id} was changed by someone else (version ${input.expectedVersion} expected, now ${current.version}); reload and try again`, {
            currentVersion: current.version,
          });
        }
        if (input.endDate < current.startDate) throw invalidInput('endDate', input.endDate, `ends before the mandate starts (${current.startDate})`);
        const after = { ...current, endDate: input.endDate, version: current.version + 1, updatedAt: at };
        const clash = state.mandates.find((m) => m.id !== current.id && m.systemId === current.systemId && rangesOverlap(m, after));
        if (clash) throw userError('CONFLICT', `The new end date would overlap mandate ${clash.id} of the same system`, { conflictingMandate: clash.id });
        return [{ mandateId: current.id, action: 'ENDED', before: current, after }];
      },
      actor,
      { retries: 0, now: () => at },
    );
  }

  async switchSystem(input: SwitchInput, identity: Identity): Promise<MandateDocument[]> {
    requireWriter(identity);
    const bp = brinProblem(input.brin);
    if (bp) throw invalidInput('brin', input.brin, bp);
    if (input.fromSystemId === input.toSystemId) throw invalidInput('toSystemId', input.toSystemId, 'is the same system as fromSystemId');
    const service = await this.service(input.service);
    if (service.mandateLevel !== 'SCHOOL') throw invalidInput('service', input.service, 'switching systems applies to school-level services');
    checkId('fromSystemId', input.fromSystemId);
    const toSystem = await this.system('toSystemId', input.toSystemId, service.code);
    assertSystemOpenOn(toSystem, input.startDate);
    const slotKey = slotKeyOf({ brin: input.brin, boardNummer: '', serviceCode: service.code });
    const endOfOld = dayBefore(input.startDate);

    // Rights, RIO and agreement are checked against the state first read; the commit re-checks the slot.
    const first = await this.store.readSlot(slotKey);
    const old = first.mandates.find((m) => m.systemId === input.fromSystemId && rangesOverlap(m, { startDate: endOfOld, endDate: null }));
    if (!old) throw userError('NOT_FOUND', `No mandate of system ${input.fromSystemId} for school ${input.brin} in ${service.code} runs on ${endOfOld}`);
    this.requireManage(identity, old);
    const school = await this.organisations.schoolOn(input.brin, input.startDate);
    if (!school?.boardOn) throw userError('NOT_FOUND', `School ${input.brin} is not in RIO on ${input.startDate}`);
    if (!canManageBoard(identity, school.boardOn)) {
      throw userError('FORBIDDEN', `On ${input.startDate} school ${input.brin} belongs to board ${school.boardOn}; only that board or support may start its mandates`);
    }
    await this.checkAgreement(school.boardOn, service.code, input.startDate);

    const actor = actorOf(identity);
    const at = this.now();
    const created = this.newMandate(
      { serviceCode: service.code, systemId: toSystem.id, brin: input.brin, boardNummer: school.boardOn, startDate: input.startDate, endDate: null, origin: 'OSR' },
      actor,
      at,
    );
    return this.store.change(
      slotKey,
      (state) => {
        const current = state.mandates.find((m) => m.id === old.id);
        if (!current || current.version !== old.version) {
          throw userError('CONFLICT', `Mandate ${old.id} was changed by someone else while switching; reload and try again`);
        }
        if (endOfOld < current.startDate) throw invalidInput('startDate', input.startDate, `the old mandate only starts on ${current.startDate}`);
        const ended: MandateDocument = { ...current, endDate: endOfOld, version: current.version + 1, updatedAt: at };
        const clash = state.mandates.find((m) => m.systemId === toSystem.id && rangesOverlap(m, created));
        if (clash) throw userError('CONFLICT', `System ${toSystem.name} already has a mandate for ${input.brin} in ${service.code} from ${clash.startDate} (${clash.id})`, { conflictingMandate: clash.id });
        const changes: MandateChangeDocument[] = [
          { mandateId: current.id, action: 'SWITCHED_FROM', before: current, after: ended },
          { mandateId: created.id, action: 'SWITCHED_TO', before: null, after: created },
        ];
        return changes;
      },
      actor,
      { retries: 0, now: () => at },
    );
  }

  async markReviewed(ids: readonly string[], identity: Identity): Promise<MandateDocument[]> {
    if (ids.length === 0 || ids.length > 200) throw invalidInput('ids', ids.length, 'give 1 to 200 mandate ids');
    const unique = [...new Set(ids)];
    for (const id of unique) checkId('ids', id);
    const found = await this.repository.findMandates(unique);
    const missing = unique.filter((id) => !found.some((m) => m.id === id));
    if (missing.length) throw userError('NOT_FOUND', `Mandates do not exist: ${missing.join(', ')}`);
    for (const m of found) this.requireManage(identity, m);
    const actor = actorOf(identity);
    const at = this.now();
    const results: MandateDocument[] = [];
    for (const slotKey of [...new Set(found.map((m) => m.slotKey))]) {
      const inSlot = new Set(found.filter((m) => m.slotKey === slotKey).map((m) => m.id));
      const changed = await this.store.change(
        slotKey,
        (state) =>
          state.mandates
            .filter((m) => inSlot.has(m.id))
            .map((m) => ({
              mandateId: m.id,
              action: 'REVIEWED' as const,
              before: m,
              after: { ...m, lastReviewedAt: at, lastReviewedBy: identity.name, reviewReasons: [], reviewBoards: [], version: m.version + 1, updatedAt: at },
            })),
        actor,
        { now: () => at },
      );
      results.push(...changed);
    }
    return results;
  }
}
