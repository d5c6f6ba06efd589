/**
 * Support contact rules: validity on a date, answering for any value (also retired ones),
 * and the validated changes support staff make.
 */
import { randomBytes } from 'node:crypto';
import { invalidInput, isoDateProblem, userError, type Identity } from '@osr/common';
import type { ContactChannel, ContactResolutionView, ServiceCode, SupportContactDocument, SupportTopic } from './documents.js';
import type { SupportRepository } from './repository.js';

/** The day after an ISO date. */
export function dayAfter(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function inUseOn(contact: SupportContactDocument, date: string): boolean {
  return (contact.validFrom === null || contact.validFrom <= date) && (contact.validUntil === null || contact.validUntil >= date);
}

const PHONE_CHARS = /^[+0-9 ()-]+$/;

/** How values are compared: e-mail and pages case-insensitively, phone numbers on their digits. */
export function normaliseValue(value: string): string {
  const v = value.trim().toLowerCase();
  if (PHONE_CHARS.test(v) && /[0-9]/.test(v)) return v.replace(/[^0-9+]/g, '').replace(/^\+31/, '0');
  return v.replace(/^mailto:/, '').replace(/\/+$/, '');
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;

/** The reason a value does not fit its channel, or null. */
export function channelValueProblem(channel: ContactChannel, value: string): string | null {
  switch (channel) {
    case 'EMAIL':
      return EMAIL.test(value) ? null : 'an e-mail address looks like name@example.nl';
    case 'PHONE': {
      if (!PHONE_CHARS.test(value)) return 'a phone number holds digits, spaces, +, - and brackets only';
      const digits = value.replace(/[^0-9]/g, '');
      if (!/^(\+|0)/.test(value.trim())) return 'a phone number starts with 0 or +';
      return digits.length >= 8 && digits.length <= 15 ? null : 'a phone number has 8 to 15 digits';
    }
    case 'WEB': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return 'a web page is an http(s) URL, e.g. https://www.kennisnet.nl/support';
      }
      return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'a web page is an http(s) URL';
    }
  }
}

/** Contacts whose periods overlap: [from, until] with null as open. */
function overlaps(a: { validFrom: string | null; validUntil: string | null }, b: { validFrom: string | null; validUntil: string | null }): boolean {
  const aFrom = a.validFrom ?? '0000-00-00';
  const bFrom = b.validFrom ?? '0000-00-00';
  const aUntil = a.validUntil ?? '9999-99-99';
  const bUntil = b.validUntil ?? '9999-99-99';
  return aFrom <= bUntil && bFrom <= aUntil;
}

export interface AddContactInput {
  id?: string | null;
  channel: ContactChannel;
  value: string;
  label: string;
  topics: SupportTopic[];
  services?: ServiceCode[] | null;
  validFrom?: string | null;
  validUntil?: string | null;
}

function requireSupport(identity: Identity): void {
  if (identity.role !== 'SUPPORT') throw userError('FORBIDDEN', 'Only Kennisnet support may change support contacts');
}

function checkDate(field: string, value: string | null | undefined): void {
  if (value === null || value === undefined) return;
  const problem = isoDateProblem(value);
  if (problem) throw invalidInput(field, value, problem);
}

export class ContactsService {
  constructor(private readonly repo: SupportRepository) {}

  /** The answer for any value: in use, not yet, retired (since when, what instead) or unknown. */
  async resolve(value: string, date: string): Promise<ContactResolutionView> {
    const trimmed = value.trim();
    if (!trimmed || trimmed.length > 300) throw invalidInput('value', value, '1 to 300 characters');
    const all = await this.repo.findAll();
    const byId = new Map(all.map((c) => [c.id, c]));
    const wanted = normaliseValue(trimmed);
    const matches = all.filter((c) => normaliseValue(c.value) === wanted);
    const general = all.find((c) => c.channel === 'EMAIL' && c.topics.includes('GENERAL') && inUseOn(c, date)) ?? null;
    if (!matches.length) {
      return {
        value,
        known: false,
        contact: null,
        inUse: false,
        retiredSince: null,
        replacement: general,
        message: `${trimmed} is not a support contact of the register${general ? `; for help use ${general.value} (${general.label})` : ''}`,
      };
    }
    // the one in use on the date, else the latest to have been in use
    const contact =
      matches.find((c) => inUseOn(c, date)) ??
      [...matches].sort((a, b) => (b.validUntil ?? '9999').localeCompare(a.validUntil ?? '9999'))[0]!;
    if (inUseOn(contact, date)) {
      return { value, known: true, contact, inUse: true, retiredSince: null, replacement: null, message: `${contact.value} is in use (${contact.label})` };
    }
    if (contact.validFrom !== null && contact.validFrom > date) {
      return { value, known: true, contact, inUse: false, retiredSince: null, replacement: null, message: `${contact.value} is in use from ${contact.validFrom} (${contact.label})` };
    }
    const since = dayAfter(contact.validUntil as string);
    // Follow the chain of replacements to one in use on the date (a chain never loops back).
    let replacement: SupportContactDocument | null = null;
    const seen = new Set<string>([contact.id]);
    let next = contact.replacedById ? byId.get(contact.replacedById) : undefined;
    while (next && !seen.has(next.id)) {
      if (inUseOn(next, date)) {
        replacement = next;
        break;
      }
      seen.add(next.id);
      next = next.replacedById ? byId.get(next.replacedById) : undefined;
    }
    replacement ??= contact.replacedById ? null : general;
    return {
      value,
      known: true,
      contact,
      inUse: false,
      retiredSince: since,
      replacement,
      message: `${contact.value} is no longer in use since ${since}; ${replacement ? `use ${replacement.value} (${replacement.label}) instead` : 'see supportContacts for the contacts in use'}`,
    };
  }

  async add(identity: Identity, input: AddContactInput, today: string): Promise<SupportContactDocument> {
    requireSupport(identity);
    const id = input.id ?? `c-${input.channel.toLowerCase()}-${randomBytes(4).toString('hex')}`;
    if (!/^[a-z0-9-]{3,64}$/.test(id)) throw invalidInput('id', id, 'lower-case letters, digits and -, 3 to 64');
    const value = input.value.trim().replace(/\s+/g, ' ');
    const problem = channelValueProblem(input.channel, value);
    if (problem) throw invalidInput('value', input.value, problem);
    const label = input.label.trim();
    if (!label || label.length > 100) throw invalidInput('label', input.label, '1 to 100 characters');
    if (!input.topics.length) throw invalidInput('topics', input.topics, 'name at least one topic');
    checkDate('validFrom', input.validFrom);
    checkDate('validUntil', input.validUntil);
    const validFrom = input.validFrom ?? today;
    const validUntil = input.validUntil ?? null;
    if (validUntil !== null && validUntil < validFrom) throw invalidInput('validUntil', validUntil, `lies before validFrom ${validFrom}`);
    const contact: SupportContactDocument = {
      id,
      channel: input.channel,
      value: input.channel === 'EMAIL' ? value.toLowerCase() : value,
      label,
      topics: [...new Set(input.topics)],
      validFrom,
      validUntil,
      replacedById: null,
      services: [...new Set(input.services ?? [])],
      version: 1,
    };
    const clash = (await this.repo.findAll()).find((c) => normaliseValue(c.value) === normaliseValue(contact.value) && overlaps(c, contact));
    if (clash) throw userError('CONFLICT', `${contact.value} is already contact ${clash.id} in an overlapping period (${clash.validFrom ?? 'always'} to ${clash.validUntil ?? 'open'})`);
    if (!(await this.repo.insertContact(contact, { id: identity.sub, name: identity.name }))) {
      throw userError('CONFLICT', `A contact with id ${id} already exists`);
    }
    return contact;
  }

  async retire(identity: Identity, id: string, lastDay: string, replacedById: string | null | undefined, expectedVersion: number | null | undefined): Promise<SupportContactDocument> {
    requireSupport(identity);
    const contact = await this.repo.findContact(id);
    if (!contact) throw userError('NOT_FOUND', `No support contact with id ${JSON.stringify(id)}`);
    const version = contact.version ?? 1;
    if (expectedVersion !== null && expectedVersion !== undefined && expectedVersion !== version) {
      throw userError('CONFLICT', `Contact ${id} was changed since you read it (now version ${version})`);
    }
    if (contact.validUntil !== null) throw userError('CONFLICT', `Contact ${id} is already retired: its last day was ${contact.validUntil}`);
    if (contact.validFrom !== null && lastDay < contact.validFrom) {
      throw invalidInput('lastDay', lastDay, `lies before the contact's first day ${contact.validFrom}`);
    }
    if (replacedById !== null && replacedById !== undefined) {
      if (replacedById === id) throw invalidInput('replacedById', replacedById, 'a contact cannot replace itself');
      const replacement = await this.repo.findContact(replacedById);
      if (!replacement) throw invalidInput('replacedById', replacedById, 'no contact with that id');
      if (!inUseOn(replacement, dayAfter(lastDay))) {
        throw invalidInput('replacedById', replacedById, `contact ${replacedById} is not in use on ${dayAfter(lastDay)}, the day after the last day`);
      }
    }
    const after: SupportContactDocument = { ...contact, validUntil: lastDay, replacedById: replacedById ?? null, version: version + 1 };
    if (!(await this.repo.writeVersion({ ...contact, version }, after, { id: identity.sub, name: identity.name }, 'RETIRED'))) {
      throw userError('CONFLICT', `Contact ${id} was changed by someone else at the same time; read it again`);
    }
    return after;
  }
}
