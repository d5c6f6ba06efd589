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
import { assertServiceOpenOn } from './service-catalogue.js';
import { boardStaff } from './access.js';
import type { MandateChangeDocument, MandateDocument, ServiceCode, ServiceDocument, SystemDocument } from './documents.js';
import { slotKeyOf, type Actor, type ChangeNote, type MandateStore } from './repositories/mandate-store.js';
import { boardOnDate, type AgreementsApi, type OrganisationsApi, type SchoolBoards } from './peers.js';
import type { Repositories } from './repositories/index.js';
import { withDeliberateCheck } from './year-checks.js';
import type { EndMandateInput, GrantMandateInput, SwitchSystemInput } from './generated/resolvers.js';

/** Services whose mandates need an agreement in force that covers them (managed by the OSR). */
export const AGREEMENT_SERVICES: readonly ServiceCode[] = ['OSO_OV', 'OSO_SWV'];

const MAX_ID_LENGTH = 64;
const MAX_REASON_LENGTH = 500;

export function actorOf(identity: Identity): Actor {
  return { sub: identity.sub, name: identity.name, role: identity.role };
}

/** Date ranges [start, end] (end null = open) overlap. */
export function rangesOverlap(a: { startDate: string; endDate: string | null }, b: { startDate: string; endDate: string | null }): boolean {
  return a.startDate <= (b.endDate ?? '9999-12-31') && b.startDate <= (a.endDate ?? '9999-12-31');
}

/** A new mandate; its id is random (never derived from the school, service, system or dates). */
export function newMandate(fields: Pick<MandateDocument, 'serviceCode' | 'systemId' | 'brin' | 'boardNummer' | 'startDate' | 'endDate' | 'origin'>, actor: Actor, at: Date): MandateDocument {
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

/** Only board staff with OSR_TOEGANG and support change mandates: anyone else is refused before anything is read. */
function requireWriter(identity: Identity): void {
  if (identity.role === 'SUPPORT' || boardStaff(identity)) return;
  if (identity.role === 'BOARD') throw userError('FORBIDDEN', 'Your account lacks the right OSR_TOEGANG, which changing mandates needs');
  throw userError('FORBIDDEN', `Role ${identity.role} cannot change mandates; only board staff with OSR_TOEGANG and support can`);
}

function checkId(field: string, value: string): void {
  if (value.length === 0 || value.length > MAX_ID_LENGTH) throw invalidInput(field, value, `must be 1 to ${MAX_ID_LENGTH} characters`);
}

/** Control characters other than tab and line breaks: not text a person writes (and PostgreSQL cannot store NUL). */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function checkReason(reason: string | null | undefined): string | null {
  if (reason === null || reason === undefined) return null;
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_REASON_LENGTH) throw invalidInput('reason', reason, `must be 1 to ${MAX_REASON_LENGTH} characters of text`);
  if (CONTROL_CHARACTERS.test(trimmed)) throw invalidInput('reason', reason, 'must be text without control characters');
  return trimmed;
}

/** The one answer for a mandate id that does not exist or that the caller may not change. */
function notYoursToChange(id: string): never {
  throw userError('FORBIDDEN', `Mandate ${id} does not exist or you may not change it`);
}

/** The one answer for a school that is not the caller's board's now (also when RIO does not know it). */
function notYourSchool(brin: string): never {
  throw userError('FORBIDDEN', `School ${brin} is not a school of your board: only the board that holds the school now (per RIO), or support, may change its mandates`);
}

/** For a school the caller's board holds now, but not on a date of the change (a move RIO already knows). */
function notYourSchoolOn(brin: string, date: string): never {
  throw userError('FORBIDDEN', `On ${date} school ${brin} is not a school of your board (per RIO): only the board that holds the school then, or support, may change its mandates for that date`);
}

export class MandateService {
  constructor(
    private readonly repositories: Pick<Repositories, 'catalogue' | 'reads'>,
    private readonly store: MandateStore,
    private readonly organisations: OrganisationsApi,
    private readonly agreements: AgreementsApi,
    private readonly today: () => string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async service(code: ServiceCode): Promise<ServiceDocument> {
    const [service] = await this.repositories.catalogue.findServices([code]);
    if (!service) throw userError('NOT_FOUND', `Service ${code} is not in the catalogue`);
    return service;
  }

  private async system(field: string, id: string, service: ServiceCode): Promise<SystemDocument> {
    checkId(field, id);
    const [system] = await this.repositories.catalogue.findSystems([id]);
    if (!system) throw userError('NOT_FOUND', `System ${JSON.stringify(id)} is not registered`, { field });
    if (!system.services.includes(service)) {
      throw userError('BAD_USER_INPUT', `System ${system.name} (${id}) does not support service ${service}`, { field, value: id });
    }
    return system;
  }

  /**
   * The school's boards per RIO. Board staff must hold the school now and on each date of
   * `holdOn`, and no other board may hold it on a date of `noOtherOn`; otherwise FORBIDDEN,
   * the same answer whether or not the school exists. Support: NOT_FOUND for a school RIO
   * does not know. Asked before any mandate of the school is read.
   */
  private async schoolForChange(identity: Identity, brin: string, holdOn: readonly string[], noOtherOn: readonly string[] = []): Promise<SchoolBoards> {
    if (identity.role === 'SUPPORT') {
      const school = (await this.organisations.schoolBoards([brin])).get(brin) ?? null;
      if (!school) throw userError('NOT_FOUND', `School ${brin} is not in RIO`, { field: 'brin', value: brin });
      return school;
    }
    // asked by the caller's board, not by the school: the same work for every school not theirs
    const school = identity.board === null ? null : ((await this.organisations.schoolsOfBoard(identity.board)).get(brin) ?? null);
    if (!school || school.board !== identity.board) notYourSchool(brin);
    for (const date of holdOn) if (boardOnDate(school, date) !== identity.board) notYourSchoolOn(brin, date);
    for (const date of noOtherOn) {
      const on = boardOnDate(school, date);
      if (on !== null && on !== identity.board) notYourSchoolOn(brin, date);
    }
    return school;
  }

  /**
   * A date before what a board may set: refused to a board (`rule` says why); support may,
   * with a reason, and the change is recorded as a correction.
   */
  private pastRule(identity: Identity, field: string, date: string, past: boolean, rule: string, reason: string | null): ChangeNote {
    if (!past) return { correction: false, reason };
    if (identity.role !== 'SUPPORT') throw invalidInput(field, date, `${rule}; ask support to correct the past`);
    if (reason === null) throw invalidInput('reason', null, `is required when support changes the past (${field} ${date}): it is recorded with the correction`);
    return { correction: true, reason };
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

  async grant(input: GrantMandateInput, identity: Identity, reasonGiven?: string | null): Promise<MandateDocument[]> {
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
    const reason = checkReason(reasonGiven);
    if (!canManageBoard(identity, board)) {
      throw userError('FORBIDDEN', `Only staff of board ${board} with the right OSR_TOEGANG, or support, may give its mandates`);
    }
    const note = this.pastRule(identity, 'startDate', input.startDate, input.startDate < this.today(), "a board's mandate starts today or later", reason);
    const service = await this.service(input.service);
    if (service.mandateLevel === 'SCHOOL' && brin === null) throw invalidInput('brin', null, `${service.code} mandates are given per school: name the school`);
    if (service.mandateLevel === 'BOARD' && brin !== null) throw invalidInput('brin', brin, `${service.code} mandates are given per board: omit the school`);
    const system = await this.system('systemId', input.systemId, service.code);
    assertSystemOpenOn(system, input.startDate);
    assertServiceOpenOn(service, input.startDate);

    // The caller's right to the school (now and on the start date) before the school's mandates are read.
    if (brin !== null) {
      // (an end date after a move RIO already knows would give a mandate for another board's dates)
      const school = await this.schoolForChange(identity, brin, [input.startDate], endDate === null ? [] : [endDate]);
      const on = boardOnDate(school, input.startDate);
      if (on !== board) {
        const actual = on ? `it belonged to board ${on}` : 'it was not registered in RIO then';
        throw userError('BAD_USER_INPUT', `School ${brin} did not belong to board ${board} on ${input.startDate}: ${actual}`, { field: 'bevoegdGezagNummer', value: board });
      }
    } else if (!(await this.organisations.boardExists(board))) throw userError('NOT_FOUND', `Board ${board} is not in RIO`);

    // Cheap local check first (the commit checks again, authoritatively).
    const candidate = { systemId: system.id, startDate: input.startDate, endDate };
    const slotKey = slotKeyOf({ brin, boardNummer: board, serviceCode: service.code });
    const clashing = (await this.store.readSlot(slotKey)).mandates.find((m) => m.systemId === system.id && rangesOverlap(m, candidate));
    if (clashing) throw this.overlap(system.name, brin ?? `board ${board}`, service.code, clashing);
    await this.checkAgreement(board, service.code, input.startDate);

    const actor = actorOf(identity);
    const at = this.now();
    // a grant is a check of the mandate for the school year it is made in (mandate-check.ts)
    const mandate = withDeliberateCheck(
      newMandate({ serviceCode: service.code, systemId: system.id, brin, boardNummer: board, startDate: input.startDate, endDate, origin: 'OSR' }, actor, at),
      identity,
      'GRANTED',
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
      { now: () => at, note },
    );
  }

  /** Only reached by those who may change the slot (the school's board now, or support). */
  private overlap(systemName: string, subject: string, service: ServiceCode, clash: MandateDocument) {
    return userError(
      'CONFLICT',
      `System ${systemName} already has a mandate for ${subject} in ${service} from ${clash.startDate}${clash.endDate ? ` to ${clash.endDate}` : ''} (${clash.id}); the dates overlap`,
      { conflictingMandate: clash.id },
    );
  }

  /**
   * A mandate the caller may change: support any; board staff one of a school their board
   * holds now (RIO), or a board-level one of their board. Missing and not yours answer alike.
   */
  private async loadForChange(id: string, identity: Identity): Promise<{ mandate: MandateDocument; school: SchoolBoards | null }> {
    checkId('id', id);
    // Board staff: the schools their board holds today are asked beside the lookup by id (not
    // after it, by the mandate's school), so a missing id and another board's cost the same.
    const [[mandate], schoolsNow] = await Promise.all([
      this.repositories.reads.findMandates([id]),
      identity.role !== 'SUPPORT' && identity.board !== null ? this.organisations.schoolsOfBoard(identity.board) : null,
    ]);
    if (!mandate) {
      if (identity.role === 'SUPPORT') throw userError('NOT_FOUND', `Mandate ${id} does not exist`);
      notYoursToChange(id);
    }
    if (mandate.brin === null) {
      if (!canManageBoard(identity, mandate.boardNummer)) notYoursToChange(id);
      return { mandate, school: null };
    }
    // support may change any school's mandate: its boards are not asked (nothing depends on them)
    if (identity.role === 'SUPPORT') return { mandate, school: null };
    const school = schoolsNow?.get(mandate.brin) ?? null;
    if (school?.board !== identity.board) notYoursToChange(id);
    return { mandate, school };
  }

  async end(input: EndMandateInput, identity: Identity, reasonGiven?: string | null): Promise<MandateDocument[]> {
    requireWriter(identity);
    const reason = checkReason(reasonGiven);
    const { mandate, school } = await this.loadForChange(input.id, identity);
    if (school) {
      // board staff (support gets no school): ending it changes the mandate after the end
      // date, so no other board may hold the school then
      const on = boardOnDate(school, input.endDate);
      if (on !== null && on !== identity.board) notYourSchoolOn(school.brin, input.endDate);
    }
    if (input.endDate < mandate.startDate) throw invalidInput('endDate', input.endDate, `ends before the mandate starts (${mandate.startDate})`);
    // Moving the end of a mandate that ended before yesterday changes the past as much as an
    // end date before yesterday does (a later one reopens it on past dates).
    const yesterday = dayBefore(this.today());
    const reopensPast = (m: MandateDocument) => m.endDate !== null && m.endDate < yesterday && m.endDate !== input.endDate;
    const note = reopensPast(mandate)
      ? this.pastRule(identity, 'endDate', input.endDate, true, `a board cannot change the end date of a mandate that ended before yesterday (${mandate.endDate})`, reason)
      : this.pastRule(identity, 'endDate', input.endDate, input.endDate < yesterday, 'a board cannot end a mandate before yesterday', reason);
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
        if (!note.correction && reopensPast(current)) {
          throw invalidInput('endDate', input.endDate, `a board cannot change the end date of a mandate that ended before yesterday (${current.endDate}); ask support to correct the past`);
        }
        const after = withDeliberateCheck({ ...current, endDate: input.endDate, version: current.version + 1, updatedAt: at }, identity, 'CHANGED', at);
        const clash = state.mandates.find((m) => m.id !== current.id && m.systemId === current.systemId && rangesOverlap(m, after));
        if (clash) throw userError('CONFLICT', `The new end date would overlap mandate ${clash.id} of the same system`, { conflictingMandate: clash.id });
        return [{ mandateId: current.id, action: 'ENDED', before: current, after }];
      },
      actor,
      { retries: 0, now: () => at, note },
    );
  }

  async switchSystem(input: SwitchSystemInput, identity: Identity, reasonGiven?: string | null): Promise<MandateDocument[]> {
    requireWriter(identity);
    const bp = brinProblem(input.brin);
    if (bp) throw invalidInput('brin', input.brin, bp);
    if (input.fromSystemId === input.toSystemId) throw invalidInput('toSystemId', input.toSystemId, 'is the same system as fromSystemId');
    const reason = checkReason(reasonGiven);
    // The caller's right to the school (now and on the start date) before the school's mandates are read.
    const school = await this.schoolForChange(identity, input.brin, [input.startDate]);
    const note = this.pastRule(identity, 'startDate', input.startDate, input.startDate < this.today(), "a board's switch starts today or later", reason);
    const service = await this.service(input.service);
    if (service.mandateLevel !== 'SCHOOL') throw invalidInput('service', input.service, 'switching systems applies to school-level services');
    checkId('fromSystemId', input.fromSystemId);
    const toSystem = await this.system('toSystemId', input.toSystemId, service.code);
    assertSystemOpenOn(toSystem, input.startDate);
    assertServiceOpenOn(service, input.startDate);
    const boardOn = boardOnDate(school, input.startDate);
    if (!boardOn) throw userError('NOT_FOUND', `School ${input.brin} is not in RIO on ${input.startDate}`);
    const slotKey = slotKeyOf({ brin: input.brin, boardNummer: '', serviceCode: service.code });
    const endOfOld = dayBefore(input.startDate);

    // The agreement is checked against the state first read; the commit re-checks the slot.
    const first = await this.store.readSlot(slotKey);
    const old = first.mandates.find((m) => m.systemId === input.fromSystemId && rangesOverlap(m, { startDate: endOfOld, endDate: null }));
    if (!old) throw userError('NOT_FOUND', `No mandate of system ${input.fromSystemId} for school ${input.brin} in ${service.code} runs on ${endOfOld}`);
    await this.checkAgreement(boardOn, service.code, input.startDate);

    const actor = actorOf(identity);
    const at = this.now();
    const created = withDeliberateCheck(
      newMandate({ serviceCode: service.code, systemId: toSystem.id, brin: input.brin, boardNummer: boardOn, startDate: input.startDate, endDate: null, origin: 'OSR' }, actor, at),
      identity,
      'SWITCHED',
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
        const ended: MandateDocument = withDeliberateCheck({ ...current, endDate: endOfOld, version: current.version + 1, updatedAt: at }, identity, 'SWITCHED', at);
        const clash = state.mandates.find((m) => m.systemId === toSystem.id && rangesOverlap(m, created));
        if (clash) throw userError('CONFLICT', `System ${toSystem.name} already has a mandate for ${input.brin} in ${service.code} from ${clash.startDate} (${clash.id})`, { conflictingMandate: clash.id });
        const changes: MandateChangeDocument[] = [
          { mandateId: current.id, action: 'SWITCHED_FROM', before: current, after: ended },
          { mandateId: created.id, action: 'SWITCHED_TO', before: null, after: created },
        ];
        return changes;
      },
      actor,
      { retries: 0, now: () => at, note },
    );
  }

  async markReviewed(ids: readonly string[], identity: Identity): Promise<MandateDocument[]> {
    requireWriter(identity);
    if (ids.length === 0 || ids.length > 200) throw invalidInput('ids', ids.length, 'give 1 to 200 mandate ids');
    const unique = [...new Set(ids)];
    for (const id of unique) checkId('ids', id);
    // Board staff: the schools their board holds now are asked beside the lookup by id (see loadForChange).
    const [found, schoolsNow] = await Promise.all([
      this.repositories.reads.findMandates(unique),
      identity.role !== 'SUPPORT' && identity.board !== null ? this.organisations.schoolsOfBoard(identity.board) : null,
    ]);
    if (identity.role === 'SUPPORT') {
      const missing = unique.filter((id) => !found.some((m) => m.id === id));
      if (missing.length) throw userError('NOT_FOUND', `Mandates do not exist: ${missing.join(', ')}`);
    } else {
      // Board staff review the mandates of the schools their board holds now (and their board-level ones);
      // an id that does not exist and one that is not theirs are listed alike.
      const mayReview = (m: MandateDocument) => (m.brin === null ? canManageBoard(identity, m.boardNummer) : schoolsNow?.get(m.brin)?.board === identity.board);
      const refused = unique.filter((id) => {
        const m = found.find((f) => f.id === id);
        return !m || !mayReview(m);
      });
      if (refused.length) throw userError('FORBIDDEN', `These mandates do not exist or you may not review them: ${refused.join(', ')}`);
    }
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
