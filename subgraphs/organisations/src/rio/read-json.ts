/**
 * Reads a RIO JSON bundle: one file holding the resources of the public RIO API
 * (onderwijsbesturen, onderwijsinstellingserkenningen, onderwijsaanbieders,
 * onderwijslocaties) plus DUO's samenwerkingsverbanden. See docs/rio.md for the shape.
 */
import { isoDateProblem, todayInNetherlands } from '@osr/common';
import type { AddressDocument } from '../documents.js';
import { RecordCheck } from './fields.js';
import { emptySnapshot, type KnownKeys, type Snapshot, type SourceSchool, type SourceVestiging } from './source.js';

export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resource(bundle: Json, name: string): unknown[] {
  const value = bundle[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ImportFileError(`"${name}" must be a list of records`);
  return value;
}

/** The moment and date the bundle describes; options override, then the bundle's own. */
export function bundleMoment(bundle: Json, syncedAt?: Date, referenceDate?: string): { syncedAt: Date; referenceDate: string } {
  let moment = syncedAt;
  if (!moment) {
    const raw = bundle['peilmoment'];
    if (typeof raw !== 'string' || Number.isNaN(new Date(raw).getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(raw)) {
      throw new ImportFileError('"peilmoment" must be the moment the data was taken, e.g. "2026-11-01T06:00:00Z"');
    }
    moment = new Date(raw);
  }
  let date = referenceDate;
  if (!date) {
    const raw = bundle['peildatum'];
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'string' || isoDateProblem(raw)) throw new ImportFileError('"peildatum" must be a date YYYY-MM-DD');
      date = raw;
    } else {
      date = todayInNetherlands(moment);
    }
  }
  return { syncedAt: moment, referenceDate: date };
}

export function readJsonBundle(
  text: string,
  known: KnownKeys,
  options: { syncedAt?: Date; referenceDate?: string } = {},
): Snapshot {
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch (err) {
    throw new ImportFileError(`the file is not valid JSON: ${(err as Error).message}`);
  }
  return readBundle(bundle, known, options);
}

/** Reads a RIO bundle that is already parsed (the RIO API sync assembles one from its pages). */
export function readBundle(
  bundle: unknown,
  known: KnownKeys,
  options: { syncedAt?: Date; referenceDate?: string } = {},
): Snapshot {
  if (!isObject(bundle)) throw new ImportFileError('a RIO bundle is a JSON object with one list per resource');
  const { syncedAt, referenceDate } = bundleMoment(bundle, options.syncedAt, options.referenceDate);
  const snap = emptySnapshot('json', syncedAt, referenceDate);
  const reject = (check: RecordCheck) => snap.rejections.push(...check.problems);
  const recordOf = (name: string, value: unknown, index: number): Json | null => {
    snap.recordsRead++;
    if (isObject(value)) return value;
    snap.rejections.push({ record: `${name}[${index}]`, field: '(record)', value, reason: 'a record must be a JSON object' });
    return null;
  };

  // Boards.
  resource(bundle, 'onderwijsbesturen').forEach((value, i) => {
    const r = recordOf('onderwijsbesturen', value, i);
    if (!r) return;
    const check = new RecordCheck(`onderwijsbesturen[${i}]`);
    const nummer = check.bevoegdGezagNummer('bevoegdGezagNummer', r['bevoegdGezagNummer']);
    const board = {
      record: check.record,
      bevoegdGezagNummer: nummer ?? '',
      rioCode: check.rioCode('bestuurID', r['bestuurID']),
      name: check.text('naam', r['naam'], true) ?? '',
      kvkNummer: check.kvkNummer('kVKnummer', r['kVKnummer']),
      rsin: check.rsin('rSIN', r['rSIN']),
      startDate: check.date('inBedrijfdatum', r['inBedrijfdatum']),
      endDate: check.date('uitBedrijfdatum', r['uitBedrijfdatum']),
    };
    check.period('uitBedrijfdatum', board.startDate, board.endDate);
    const first = nummer ? snap.boards.get(nummer) : undefined;
    if (first) check.fail('bevoegdGezagNummer', nummer, `duplicate: ${first.record} has the same bevoegd gezag nummer`);
    if (!check.ok) {
      if (nummer) snap.protectedKeys.boards.add(nummer);
      return reject(check);
    }
    snap.boards.set(board.bevoegdGezagNummer, board);
  });

  // Samenwerkingsverbanden (published by DUO, not a RIO resource).
  resource(bundle, 'samenwerkingsverbanden').forEach((value, i) => {
    const r = recordOf('samenwerkingsverbanden', value, i);
    if (!r) return;
    const check = new RecordCheck(`samenwerkingsverbanden[${i}]`);
    const code = check.swvCode('code', r['code']);
    const name = check.text('naam', r['naam'], true);
    const sector = code ? (code.slice(0, 2) as 'PO' | 'VO') : null;
    if (r['sector'] !== undefined && code && r['sector'] !== sector) {
      check.fail('sector', r['sector'], `the code ${code} is a ${sector} samenwerkingsverband`);
    }
    const first = code ? snap.swvs.get(code) : undefined;
    if (first) check.fail('code', code, `duplicate: ${first.record} has the same code`);
    if (!check.ok || !code || !name || !sector) {
      if (code) snap.protectedKeys.swvs.add(code);
      return reject(check);
    }
    snap.swvs.set(code, { record: check.record, code, name, sector });
  });

  // Erkenningen: which board holds the school, since when.
  const erkenningen = new Map<string, { record: string; boardNummer: string; since: string | null }>();
  const badErkenningen = new Map<string, string>();
  resource(bundle, 'onderwijsinstellingserkenningen').forEach((value, i) => {
    const r = recordOf('onderwijsinstellingserkenningen', value, i);
    if (!r) return;
    const check = new RecordCheck(`onderwijsinstellingserkenningen[${i}]`);
    const brin = check.brin('bRIN4', r['bRIN4']);
    const boardNummer = check.bevoegdGezagNummer('bevoegdGezagNummer', r['bevoegdGezagNummer']);
    const since = check.date('begindatum', r['begindatum']);
    if (boardNummer && !snap.boards.has(boardNummer) && !known.boards.has(boardNummer)) {
      check.fail('bevoegdGezagNummer', boardNummer, 'unknown board: not in this file and not in the register');
    }
    const first = brin ? erkenningen.get(brin) : undefined;
    if (first) check.fail('bRIN4', brin, `duplicate: ${first.record} has the same BRIN`);
    if (!check.ok || !brin || !boardNummer) {
      if (brin) {
        snap.protectedKeys.schools.add(brin);
        if (!first) badErkenningen.set(brin, check.record);
      }
      return reject(check);
    }
    erkenningen.set(brin, { record: check.record, boardNummer, since });
  });

  // Aanbieders: the schools.
  const usedErkenningen = new Set<string>();
  resource(bundle, 'onderwijsaanbieders').forEach((value, i) => {
    const r = recordOf('onderwijsaanbieders', value, i);
    if (!r) return;
    const check = new RecordCheck(`onderwijsaanbieders[${i}]`);
    const brin = check.brin('bRIN4', r['bRIN4']);
    const name = check.text('naam', r['naam'], true);
    const sector = check.sector('onderwijssector', r['onderwijssector']);
    const kindCode = check.kindCode('soortCode', r['soortCode']);
    const startDate = check.date('inBedrijfdatum', r['inBedrijfdatum']);
    const endDate = check.date('uitBedrijfdatum', r['uitBedrijfdatum']);
    check.period('uitBedrijfdatum', startDate, endDate);
    const swvCodes: string[] = [];
    const rawSwvs = r['samenwerkingsverbanden'] ?? [];
    if (!Array.isArray(rawSwvs)) check.fail('samenwerkingsverbanden', rawSwvs, 'must be a list of codes');
    else {
      for (const raw of rawSwvs) {
        const code = check.swvCode('samenwerkingsverbanden', raw);
        if (!code) continue;
        if (!snap.swvs.has(code) && !known.swvs.has(code)) {
          check.fail('samenwerkingsverbanden', code, 'unknown samenwerkingsverband: not in this file and not in the register');
        } else if (swvCodes.some((c) => c.slice(0, 2) === code.slice(0, 2))) {
          check.fail('samenwerkingsverbanden', code, `a school belongs to one ${code.slice(0, 2)} samenwerkingsverband`);
        } else swvCodes.push(code);
      }
    }
    const first = brin ? snap.schools.get(brin) : undefined;
    if (first) check.fail('bRIN4', brin, `duplicate: ${first.record} has the same BRIN`);
    const erkenning = brin ? erkenningen.get(brin) : undefined;
    if (brin && !first && !erkenning) {
      const bad = badErkenningen.get(brin);
      check.fail('bRIN4', brin, bad ? `its onderwijsinstellingserkenning (${bad}) was rejected` : 'no onderwijsinstellingserkenning names this BRIN, so its board is unknown');
    }
    if (!check.ok || !brin || !name || !sector || !kindCode || !erkenning) {
      if (brin) snap.protectedKeys.schools.add(brin);
      return reject(check);
    }
    usedErkenningen.add(brin);
    const school: SourceSchool = {
      record: check.record,
      brin,
      name,
      sector,
      kindCode,
      boardNummer: erkenning.boardNummer,
      boardSince: erkenning.since,
      swvCodes,
      startDate,
      endDate,
      vestigingen: [],
    };
    snap.schools.set(brin, school);
  });
  for (const [brin, e] of erkenningen) {
    if (usedErkenningen.has(brin) || snap.protectedKeys.schools.has(brin)) continue;
    snap.rejections.push({ record: e.record, field: 'bRIN4', value: brin, reason: 'no onderwijsaanbieder in this file has this BRIN' });
    snap.protectedKeys.schools.add(brin);
  }

  // Locaties: the vestigingen, attached to their school by the BRIN in the number.
  resource(bundle, 'onderwijslocaties').forEach((value, i) => {
    const r = recordOf('onderwijslocaties', value, i);
    if (!r) return;
    const check = new RecordCheck(`onderwijslocaties[${i}]`);
    const nummer = check.vestigingsnummer('vestigingsnummer', r['vestigingsnummer']);
    const name = check.text('naam', r['naam'], true);
    const rawAddress = r['adres'];
    let address: AddressDocument | null = null;
    if (rawAddress !== undefined && rawAddress !== null) {
      if (!isObject(rawAddress)) check.fail('adres', rawAddress, 'must be an object');
      else {
        address = {
          street: check.text('adres.straatnaam', rawAddress['straatnaam'], false),
          houseNumber: check.text('adres.huisnummer', rawAddress['huisnummer'], false),
          postcode: check.postcode('adres.postcode', rawAddress['postcode']),
          city: check.text('adres.plaatsnaam', rawAddress['plaatsnaam'], false),
        };
      }
    }
    const municipality = check.text('gemeentenaam', r['gemeentenaam'], false);
    const endDate = check.date('uitBedrijfdatum', r['uitBedrijfdatum']);
    const school = nummer ? snap.schools.get(nummer.slice(0, 4)) : undefined;
    if (nummer && !school) {
      check.fail(
        'vestigingsnummer',
        nummer,
        snap.protectedKeys.schools.has(nummer.slice(0, 4))
          ? `its school ${nummer.slice(0, 4)} was rejected`
          : `no onderwijsaanbieder in this file has BRIN ${nummer.slice(0, 4)}`,
      );
    }
    const first = school?.vestigingen.find((v) => v.vestigingsnummer === nummer);
    if (first) check.fail('vestigingsnummer', nummer, `duplicate: ${first.record} has the same vestigingsnummer`);
    if (!check.ok || !nummer || !name || !school) {
      if (nummer) snap.protectedKeys.vestigingen.add(nummer);
      return reject(check);
    }
    const vestiging: SourceVestiging = { record: check.record, vestigingsnummer: nummer, name, address, municipality, endDate };
    school.vestigingen.push(vestiging);
  });
  return snap;
}
