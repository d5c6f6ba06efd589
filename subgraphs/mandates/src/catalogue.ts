/**
 * The supplier catalogue: suppliers (by OIN) and their systems, managed by Kennisnet support
 * (the GraphQL mutations) and by the operator's `osr suppliers import`. Every change is
 * recorded in `catalogue_history` with who and when, before and after. A system is retired
 * from a last day: no new mandate may start on it after that day, and the mandates that run
 * past it are flagged for review (never ended here).
 *
 * Uniqueness lives in unique indexes: a supplier's OIN (suppliers.oin), and a system's id,
 * which is derived from the supplier's OIN and the system's name (case, spaces and punctuation
 * aside), so two systems of one supplier cannot share a name even when added at once.
 */
import { createHash } from 'node:crypto';
import {
  decodeCursor,
  encodeCursor,
  invalidInput,
  isoDateProblem,
  oinProblem,
  pageSize,
  userError,
  type Identity,
} from '@osr/common';
import type {
  CatalogueAction,
  CatalogueChangeDocument,
  MandateDocument,
  MandateView,
  ServiceCode,
  SupplierDocument,
  SystemDocument,
  SystemKind,
} from './documents.js';
import type { Actor } from './repositories/mandate-store.js';
import type { Repositories } from './repositories/index.js';

export type { CatalogueChangeDocument };

export const SYSTEM_KINDS: readonly SystemKind[] = ['LAS', 'TEST_SYSTEM', 'SWV_SYSTEM'];
const MAX_NAME = 100;

/** Only support manages the catalogue (the operator's command acts as support). */
export function requireCatalogueManager(identity: Identity): void {
  if (identity.role !== 'SUPPORT') {
    throw userError('FORBIDDEN', 'Only Kennisnet support manages the supplier catalogue');
  }
}

/** May read a supplier's change history: support, analysts, the mandates service, the supplier itself. */
export function canSeeCatalogueHistory(identity: Identity, oin: string): boolean {
  if (identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE') return true;
  return identity.role === 'SUPPLIER' && identity.supplier === oin;
}

/** A new mandate on a retired system may not start after its last day. */
export function assertSystemOpenOn(system: SystemDocument, startDate: string, field = 'startDate'): void {
  if (system.lastDay && startDate > system.lastDay) {
    throw userError('BAD_USER_INPUT', `System ${system.name} (${system.id}) is retired: no new mandate may start after ${system.lastDay}`, {
      field,
      value: startDate,
    });
  }
}

/** The key a system's name is unique by within its supplier. */
export function nameKey(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** A system's id: its supplier's OIN and its name's key, at most 64 characters. */
export function systemIdOf(oin: string, name: string): string {
  const key = nameKey(name) || 'system';
  const id = `sys-${oin}-${key}`;
  if (id.length <= 64) return id;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return `sys-${oin}-${key.slice(0, 64 - 26 - 9)}-${hash}`;
}

/** Why a supplier's or system's name cannot be taken (a spreadsheet formula, control characters), or null. */
export function nameProblem(name: string): string | null {
  if (/^[=+\-@]/.test(name)) return 'may not start with =, +, - or @ (a spreadsheet would run it as a formula)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'may not hold control characters (tabs, line breaks and the like)';
  return null;
}

function checkName(field: string, value: string): string {
  // control characters are refused, not folded away as spaces
  const problem = nameProblem(value.trim());
  if (problem) throw invalidInput(field, value, problem);
  const name = value.trim().replace(/ +/g, ' ');
  if (name.length === 0 || name.length > MAX_NAME) throw invalidInput(field, value, `must be 1 to ${MAX_NAME} characters`);
  return name;
}

function checkOin(field: string, value: string): string {
  const problem = oinProblem(value);
  if (problem) throw invalidInput(field, value, problem);
  return value;
}

/** What retireSystem answers (Mandate resolves from a MandateView). */
export interface SystemRetirementView {
  system: SystemDocument;
  flaggedMandates: MandateView[];
}

export interface RetireOutcome {
  system: SystemDocument;
  flagged: MandateDocument[];
}

export class SupplierCatalogue {
  constructor(
    private readonly repositories: Pick<Repositories, 'catalogue' | 'mandates'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async record(
    actor: Actor,
    at: Date,
    action: CatalogueAction,
    supplierOin: string,
    systemId: string | null,
    before: SupplierDocument | SystemDocument | null,
    after: SupplierDocument | SystemDocument,
    description: string,
  ): Promise<void> {
    await this.repositories.catalogue.recordCatalogueChange({ action, at, by: actor.name, bySub: actor.sub, byRole: actor.role, supplierOin, systemId, before, after, description });
  }

  findSupplier(oin: string): Promise<SupplierDocument | null> {
    return this.repositories.catalogue.supplier(oin);
  }

  async supplier(oin: string): Promise<SupplierDocument> {
    const supplier = await this.findSupplier(oin);
    if (!supplier) throw userError('NOT_FOUND', `Supplier ${oin} is not registered`, { field: 'oin', value: oin });
    return supplier;
  }

  async system(id: string): Promise<SystemDocument> {
    if (id.length === 0 || id.length > 64) throw invalidInput('id', id, 'a system id is 1 to 64 characters');
    const system = await this.repositories.catalogue.system(id);
    if (!system) throw userError('NOT_FOUND', `System ${id} is not registered`, { field: 'id', value: id });
    return system;
  }

  /** The system of this supplier with this name (case, spaces and punctuation aside), if any. */
  async systemNamed(oin: string, name: string): Promise<SystemDocument | null> {
    const key = nameKey(name);
    const systems = await this.repositories.catalogue.systemsOfSupplier(oin);
    return systems.find((s) => nameKey(s.name) === key) ?? null;
  }

  async registerSupplier(input: { oin: string; name: string }, actor: Actor): Promise<SupplierDocument> {
    const oin = checkOin('oin', input.oin);
    const name = checkName('name', input.name);
    const at = this.now();
    const doc: SupplierDocument = { oin, name, version: 1, createdAt: at, updatedAt: at };
    if (!(await this.repositories.catalogue.insertSupplier(doc))) {
      const existing = await this.supplier(oin);
      throw userError('CONFLICT', `Supplier ${oin} is registered already, as ${existing.name}`, { field: 'oin', value: oin });
    }
    await this.record(actor, at, 'SUPPLIER_REGISTERED', oin, null, null, doc, `Supplier ${oin} registered as ${name}`);
    return doc;
  }

  async renameSupplier(input: { oin: string; name: string }, actor: Actor): Promise<SupplierDocument> {
    const oin = checkOin('oin', input.oin);
    const name = checkName('name', input.name);
    const before = await this.supplier(oin);
    if (before.name === name) return before;
    const at = this.now();
    const version = before.version ?? 0;
    const after: SupplierDocument = { ...before, name, version: version + 1, updatedAt: at };
    const updated = await this.repositories.catalogue.updateSupplier(oin, before.version, { name, version: version + 1, updatedAt: at });
    if (!updated) throw userError('CONFLICT', `Supplier ${oin} was changed by someone else meanwhile; try again`);
    await this.record(actor, at, 'SUPPLIER_RENAMED', oin, null, before, after, `Supplier ${oin} renamed from ${before.name} to ${name}`);
    return after;
  }

  private async checkServices(services: readonly ServiceCode[]): Promise<ServiceCode[]> {
    const unique = [...new Set(services)].sort();
    if (unique.length === 0) throw invalidInput('services', services, 'name at least one service the system can act in');
    const known = new Set((await this.repositories.catalogue.findServices(unique)).map((s) => s.code));
    const missing = unique.filter((s) => !known.has(s));
    if (missing.length) throw invalidInput('services', missing, `not in the service catalogue: ${missing.join(', ')}`);
    return unique;
  }

  async addSystem(input: { supplier: string; name: string; kind: SystemKind; services: readonly ServiceCode[] }, actor: Actor): Promise<SystemDocument> {
    const oin = checkOin('supplier', input.supplier);
    const name = checkName('name', input.name);
    if (!SYSTEM_KINDS.includes(input.kind)) throw invalidInput('kind', input.kind, `must be one of ${SYSTEM_KINDS.join(', ')}`);
    const services = await this.checkServices(input.services);
    await this.supplier(oin);
    const same = await this.systemNamed(oin, name);
    if (same) throw userError('CONFLICT', `Supplier ${oin} has a system named ${same.name} already (${same.id})`, { field: 'name', value: name });
    const at = this.now();
    const doc: SystemDocument = { id: systemIdOf(oin, name), name, kind: input.kind, supplierOin: oin, services, lastDay: null, version: 1 };
    if (!(await this.repositories.catalogue.insertSystem(doc))) {
      throw userError('CONFLICT', `Supplier ${oin} has a system named ${name} already (${doc.id})`, { field: 'name', value: name });
    }
    await this.record(actor, at, 'SYSTEM_ADDED', oin, doc.id, null, doc, `System ${name} (${input.kind}) added for ${services.join(', ')}`);
    return doc;
  }

  private async update(before: SystemDocument, set: Partial<SystemDocument>): Promise<SystemDocument> {
    const version = before.version ?? 0;
    const updated = await this.repositories.catalogue.updateSystem(before.id, before.version, { ...set, version: version + 1 });
    if (!updated) throw userError('CONFLICT', `System ${before.id} was changed by someone else meanwhile; try again`);
    return { ...before, ...set, version: version + 1 };
  }

  private runningMandates(systemId: string, date: string): Promise<MandateDocument[]> {
    return this.repositories.mandates.runningOnSystem(systemId, date);
  }

  async changeSystemServices(input: { id: string; services: readonly ServiceCode[] }, actor: Actor, today: string): Promise<SystemDocument> {
    const before = await this.system(input.id);
    const services = await this.checkServices(input.services);
    if (services.join() === [...before.services].sort().join()) return before;
    const dropped = before.services.filter((s) => !services.includes(s));
    if (dropped.length) {
      const running = (await this.runningMandates(before.id, today)).filter((m) => dropped.includes(m.serviceCode));
      if (running.length) {
        throw userError(
          'CONFLICT',
          `System ${before.name} still has ${running.length} mandate(s) in ${[...new Set(running.map((m) => m.serviceCode))].join(', ')} that have not ended; end them first (or retire the system)`,
          { field: 'services', mandates: running.length },
        );
      }
    }
    const after = await this.update(before, { services });
    await this.record(actor, this.now(), 'SYSTEM_SERVICES_CHANGED', before.supplierOin, before.id, before, after, `System ${before.name}: services ${[...before.services].sort().join(', ')} → ${services.join(', ')}`);
    return after;
  }

  /**
   * Retires a system from a last day: no new mandate may start on it after that day. Its
   * mandates that run past that day are flagged for review with the reason (once per last
   * day), never ended. Retiring again with another last day moves the day and flags again.
   */
  async retireSystem(input: { id: string; lastDay: string }, actor: Actor): Promise<RetireOutcome> {
    const problem = isoDateProblem(input.lastDay);
    if (problem) throw invalidInput('lastDay', input.lastDay, problem);
    const before = await this.system(input.id);
    const system = before.lastDay === input.lastDay ? before : await this.update(before, { lastDay: input.lastDay });
    if (system !== before) {
      await this.record(actor, this.now(), 'SYSTEM_RETIRED', before.supplierOin, before.id, before, system, `System ${before.name} retired: last day for new mandates ${input.lastDay}`);
    }
    const changeId = `retired:${system.id}:${input.lastDay}`;
    const affected = (await this.runningMandates(system.id, input.lastDay)).filter((m) => !m.reviewReasons.some((r) => r.changeId === changeId));
    const flagged: MandateDocument[] = [];
    for (const slotKey of new Set(affected.map((m) => m.slotKey))) {
      const ids = new Set(affected.filter((m) => m.slotKey === slotKey).map((m) => m.id));
      const at = this.now();
      const changed = await this.repositories.mandates.store.change(
        slotKey,
        (state) =>
          state.mandates
            .filter((m) => ids.has(m.id) && !m.reviewReasons.some((r) => r.changeId === changeId))
            .map((m) => ({
              mandateId: m.id,
              action: 'FLAGGED_FOR_REVIEW' as const,
              before: m,
              after: {
                ...m,
                reviewReasons: [
                  ...m.reviewReasons,
                  {
                    changeId,
                    kind: 'SYSTEM_RETIRED' as const,
                    description: `System ${system.name} is retired: no new mandates after ${input.lastDay}; this mandate runs past that day: end it or switch the school to another system`,
                    boards: [m.boardNummer],
                    effectiveDate: input.lastDay,
                    raisedAt: at,
                  },
                ],
                version: m.version + 1,
                updatedAt: at,
              },
            })),
        actor,
        { retries: 10, now: () => at },
      );
      flagged.push(...changed);
    }
    return { system, flagged };
  }

  /** A page of suppliers by OIN (keyset on the unique oin index; the catalogue is small). */
  async page(first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first);
    const position = decodeCursor(after ?? null, { oin: 'string' });
    const items = await this.repositories.catalogue.supplierPage(position ? (position.oin as string) : null, size + 1);
    return { items, size, cursorOf: (s: SupplierDocument) => encodeCursor({ oin: s.oin }) };
  }

  /** A supplier's changes and those of its systems, oldest first. */
  historyOf(oin: string): Promise<CatalogueChangeDocument[]> {
    return this.repositories.catalogue.catalogueHistoryOf(oin);
  }
}
