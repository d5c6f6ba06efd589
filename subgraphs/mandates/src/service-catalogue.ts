/**
 * The service catalogue: the exchanges of the education chain that route through the OSR.
 * It is reference data of the register itself, not demo data: every start of the mandates
 * subgraph (and every command that writes the mandates store) puts the reference services in
 * place, adding only those that are missing, so a fresh install can take a supplier catalogue
 * and an OSO migration at once, and a service support changed or retired stays as support left
 * it. Support manages the catalogue afterwards (register, change, retire), each change
 * recorded in `service_history` with who and when, before and after.
 *
 * A service's code is one of the schema's `ServiceCode` values: clients name services in
 * queries (`mandates(services: [OSO_OV])`), so a new code is a schema release. `registerService`
 * brings a code the schema knows into a catalogue that lacks it.
 */
import { invalidInput, isoDateProblem, userError, type Identity } from '@osr/common';
import type { MandateLevel, ServiceAction, ServiceChangeDocument, ServiceCode, ServiceDocument } from './documents.js';
import type { Actor } from './repositories/mandate-store.js';
import type { CatalogueRepository } from './repositories/catalogue.js';

export type { ServiceChangeDocument };

/** The reference catalogue every install starts with: a service for every code the schema knows. */
export const REFERENCE_SERVICES: readonly ServiceDocument[] = [
  { code: 'OSO_OV', name: 'OSO Overstap', description: 'Transfer dossiers (overstapdossiers) when a pupil changes school.', mandateLevel: 'SCHOOL' },
  { code: 'OSO_SWV', name: 'OSO Samenwerkingsverbanden', description: 'Support requests from a school to its samenwerkingsverband, e.g. a toelaatbaarheidsverklaring.', mandateLevel: 'SCHOOL' },
  { code: 'DOORSTROOMTOETS_PO', name: 'Doorstroomtoets PO', description: 'Results of the primary-school doorstroomtoets.', mandateLevel: 'SCHOOL' },
  { code: 'CENTRAAL_EXAMEN_VO', name: 'Centraal Eindexamen VO', description: 'Central final examinations in secondary education.', mandateLevel: 'SCHOOL' },
  { code: 'ROD_PO', name: 'ROD PO', description: 'Pupil registrations for primary education (register onderwijsdeelnemers).', mandateLevel: 'SCHOOL' },
  { code: 'ROD_VO', name: 'ROD VO', description: 'Pupil registrations for secondary education (register onderwijsdeelnemers).', mandateLevel: 'SCHOOL' },
  { code: 'VERZUIM', name: 'Verzuim', description: 'Absence reports (verzuimmeldingen).', mandateLevel: 'SCHOOL' },
  { code: 'RIO', name: 'RIO', description: 'Registrations in RIO, the register of institutions and programmes, made for the board.', mandateLevel: 'BOARD' },
  { code: 'VVA', name: 'VVA', description: 'The VVA chain exchange.', mandateLevel: 'SCHOOL' },
];

/** Every code the schema knows, in its order. */
const SERVICE_CODES: readonly ServiceCode[] = REFERENCE_SERVICES.map((s) => s.code);
const REFERENCE_ACTOR: Actor = { sub: 'service:reference-data', name: 'reference data', role: 'SERVICE' };
const MAX_NAME = 100;
const MAX_DESCRIPTION = 500;
const LEVELS: readonly MandateLevel[] = ['SCHOOL', 'BOARD'];

/** Only support manages the service catalogue. */
export function requireServiceManager(identity: Identity): void {
  if (identity.role !== 'SUPPORT') throw userError('FORBIDDEN', 'Only Kennisnet support manages the service catalogue');
}

/** May read a service's change history: support, analysts and the mandates service. */
export function canSeeServiceHistory(identity: Identity): boolean {
  return identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE';
}

/** A mandate in a retired service may not start after its last day. */
export function assertServiceOpenOn(service: ServiceDocument, startDate: string, field = 'startDate'): void {
  if (service.lastDay && startDate > service.lastDay) {
    throw userError('BAD_USER_INPUT', `Service ${service.name} (${service.code}) is retired: no new mandate may start after ${service.lastDay}`, {
      field,
      value: startDate,
    });
  }
}

function checkText(field: string, value: string, max: number): string {
  const text = value.trim().replace(/\s+/g, ' ');
  if (text.length === 0 || text.length > max) throw invalidInput(field, value, `must be 1 to ${max} characters`);
  return text;
}

function checkCode(value: string): ServiceCode {
  if (!SERVICE_CODES.includes(value as ServiceCode)) throw invalidInput('code', value, `must be one of ${SERVICE_CODES.join(', ')}`);
  return value as ServiceCode;
}

export class ServiceCatalogue {
  constructor(
    private readonly catalogue: CatalogueRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async record(actor: Actor, at: Date, action: ServiceAction, before: ServiceDocument | null, after: ServiceDocument, description: string): Promise<void> {
    await this.catalogue.recordServiceChange({ action, at, by: actor.name, bySub: actor.sub, byRole: actor.role, code: after.code, before, after, description });
  }

  /**
   * Adds the reference services the store lacks (one upsert each, `$setOnInsert`: a service
   * already there, changed or retired by support, is left exactly as it is). Safe to run on
   * every start and from several processes at once: the unique code index decides.
   */
  async putInPlace(): Promise<ServiceCode[]> {
    const at = this.now();
    const upserted = await this.catalogue.addMissingServices(REFERENCE_SERVICES.map((s) => ({ ...s, lastDay: null, version: 1, createdAt: at, updatedAt: at })));
    const added = upserted.map((i) => REFERENCE_SERVICES[i]!);
    for (const s of added) {
      await this.record(REFERENCE_ACTOR, at, 'SERVICE_REGISTERED', null, { ...s, lastDay: null, version: 1 }, `Service ${s.name} (${s.code}) put in place as reference data`);
    }
    return added.map((s) => s.code);
  }

  async service(code: string): Promise<ServiceDocument> {
    const service = await this.catalogue.service(checkCode(code));
    if (!service) throw userError('NOT_FOUND', `Service ${code} is not in the catalogue`, { field: 'code', value: code });
    return service;
  }

  async registerService(input: { code: string; name: string; description: string; mandateLevel: MandateLevel }, actor: Actor): Promise<ServiceDocument> {
    const code = checkCode(input.code);
    const name = checkText('name', input.name, MAX_NAME);
    const description = checkText('description', input.description, MAX_DESCRIPTION);
    if (!LEVELS.includes(input.mandateLevel)) throw invalidInput('mandateLevel', input.mandateLevel, `must be one of ${LEVELS.join(', ')}`);
    const at = this.now();
    const doc: ServiceDocument = { code, name, description, mandateLevel: input.mandateLevel, lastDay: null, version: 1, createdAt: at, updatedAt: at };
    if (!(await this.catalogue.insertService(doc))) {
      const existing = await this.service(code);
      throw userError('CONFLICT', `Service ${code} is in the catalogue already, as ${existing.name}`, { field: 'code', value: code });
    }
    await this.record(actor, at, 'SERVICE_REGISTERED', null, doc, `Service ${name} (${code}) registered, mandates per ${input.mandateLevel.toLowerCase()}`);
    return doc;
  }

  private async update(before: ServiceDocument, set: Partial<ServiceDocument>, at: Date): Promise<ServiceDocument> {
    const version = before.version ?? 0;
    const updated = await this.catalogue.updateService(before.code, before.version, { ...set, version: version + 1, updatedAt: at });
    if (!updated) throw userError('CONFLICT', `Service ${before.code} was changed by someone else meanwhile; try again`);
    return { ...before, ...set, version: version + 1, updatedAt: at };
  }

  /** Changes a service's name or description; its mandate level is fixed once mandates may exist. */
  async changeService(input: { code: string; name?: string | null; description?: string | null }, actor: Actor): Promise<ServiceDocument> {
    const before = await this.service(input.code);
    const set: Partial<ServiceDocument> = {};
    if (input.name != null) set.name = checkText('name', input.name, MAX_NAME);
    if (input.description != null) set.description = checkText('description', input.description, MAX_DESCRIPTION);
    if (set.name === undefined && set.description === undefined) throw invalidInput('name', null, 'give a new name or description');
    const changed = (Object.keys(set) as (keyof ServiceDocument)[]).filter((k) => before[k] !== set[k]);
    if (changed.length === 0) return before;
    const at = this.now();
    const after = await this.update(before, set, at);
    const what = changed.map((k) => (k === 'name' ? `name ${before.name} → ${after.name}` : 'description changed')).join('; ');
    await this.record(actor, at, 'SERVICE_CHANGED', before, after, `Service ${before.code}: ${what}`);
    return after;
  }

  /**
   * Retires a service from a last day: no new mandate in it may start after that day. Its
   * running mandates are left as they are (they end as their boards end them).
   */
  async retireService(input: { code: string; lastDay: string }, actor: Actor): Promise<ServiceDocument> {
    const problem = isoDateProblem(input.lastDay);
    if (problem) throw invalidInput('lastDay', input.lastDay, problem);
    const before = await this.service(input.code);
    if (before.lastDay === input.lastDay) return before;
    const at = this.now();
    const after = await this.update(before, { lastDay: input.lastDay }, at);
    await this.record(actor, at, 'SERVICE_RETIRED', before, after, `Service ${before.name} (${before.code}) retired: last day for new mandates ${input.lastDay}`);
    return after;
  }

  /** A service's changes, oldest first. */
  historyOf(code: ServiceCode): Promise<ServiceChangeDocument[]> {
    return this.catalogue.serviceHistoryOf(code);
  }
}
