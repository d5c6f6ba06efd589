/**
 * Field checks shared by the readers. A RecordCheck collects every problem of one record;
 * a record with any problem is rejected whole (nothing of it is written).
 */
import {
  bevoegdGezagNummerProblem,
  brinProblem,
  isoDateProblem,
  kvkNummerProblem,
  rioBestuurCodeProblem,
  rsinProblem,
  swvCodeProblem,
  vestigingsnummerProblem,
} from '@osr/common';
import { SECTORS, type Sector } from '../documents.js';
import type { Rejection } from './source.js';

const KIND_CODE = /^[A-Z]{2,8}$/;
const POSTCODE = /^([1-9][0-9]{3}) ?([A-Z]{2})$/;
const DUTCH_DATE = /^(\d{2})-(\d{2})-(\d{4})$/;
const MAX_TEXT = 200;

export class RecordCheck {
  readonly problems: Rejection[] = [];
  constructor(readonly record: string) {}

  get ok(): boolean {
    return this.problems.length === 0;
  }

  fail(field: string, value: unknown, reason: string): void {
    this.problems.push({ record: this.record, field, value, reason });
  }

  /** A text field: trimmed; empty counts as absent. */
  text(field: string, value: unknown, required: boolean): string | null {
    if (value === undefined || value === null || value === '') {
      if (required) this.fail(field, value ?? null, 'is required');
      return null;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.fail(field, value, 'must be text');
      return null;
    }
    const text = String(value).trim();
    if (text === '') {
      if (required) this.fail(field, value, 'is required');
      return null;
    }
    if (text.length > MAX_TEXT) {
      this.fail(field, value, `is longer than ${MAX_TEXT} characters`);
      return null;
    }
    return text;
  }

  private identifier(field: string, value: unknown, required: boolean, problemOf: (v: string) => string | null) {
    const text = this.text(field, value, required);
    if (text === null) return null;
    const problem = problemOf(text);
    if (problem) {
      this.fail(field, value, problem);
      return null;
    }
    return text;
  }

  bevoegdGezagNummer(field: string, value: unknown, required = true) {
    return this.identifier(field, value, required, bevoegdGezagNummerProblem);
  }
  brin(field: string, value: unknown, required = true) {
    return this.identifier(field, value, required, brinProblem);
  }
  vestigingsnummer(field: string, value: unknown, required = true) {
    return this.identifier(field, value, required, vestigingsnummerProblem);
  }
  rioCode(field: string, value: unknown) {
    return this.identifier(field, value, false, rioBestuurCodeProblem);
  }
  kvkNummer(field: string, value: unknown) {
    return this.identifier(field, value, false, kvkNummerProblem);
  }
  rsin(field: string, value: unknown) {
    return this.identifier(field, value, false, rsinProblem);
  }
  swvCode(field: string, value: unknown, required = true) {
    return this.identifier(field, value, required, swvCodeProblem);
  }
  kindCode(field: string, value: unknown) {
    return this.identifier(field, value, true, (v) =>
      KIND_CODE.test(v) ? null : 'a kind code is 2 to 8 capital letters, e.g. BAS, SBAS, VOS',
    );
  }

  sector(field: string, value: unknown): Sector | null {
    const text = this.text(field, value, true);
    if (text === null) return null;
    const upper = text.toUpperCase();
    if (!(SECTORS as readonly string[]).includes(upper)) {
      this.fail(field, value, `must be one of ${SECTORS.join(', ')}`);
      return null;
    }
    return upper as Sector;
  }

  /** A date YYYY-MM-DD (or DD-MM-YYYY as DUO's CSV files write it). */
  date(field: string, value: unknown, required = false): string | null {
    const text = this.text(field, value, required);
    if (text === null) return null;
    const dutch = DUTCH_DATE.exec(text);
    const iso = dutch ? `${dutch[3]}-${dutch[2]}-${dutch[1]}` : text;
    const problem = isoDateProblem(iso);
    if (problem) {
      this.fail(field, value, problem);
      return null;
    }
    return iso;
  }

  /** A Dutch postcode, stored without the space: 9711AB. */
  postcode(field: string, value: unknown): string | null {
    const text = this.text(field, value, false);
    if (text === null) return null;
    const m = POSTCODE.exec(text.toUpperCase());
    if (!m) {
      this.fail(field, value, 'a postcode is 4 digits and 2 letters, e.g. 9711AB');
      return null;
    }
    return `${m[1]}${m[2]}`;
  }

  /** End not before start. */
  period(endField: string, start: string | null, end: string | null): void {
    if (start && end && end < start) this.fail(endField, end, `lies before the start date ${start}`);
  }
}
