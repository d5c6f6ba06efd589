/**
 * Turns what the RIO API sync read (the items of each collection, in page order) into the
 * same Snapshot a RIO JSON bundle gives, so the sync goes through the import's rules.
 *
 * RIO spreads a board and a school over several resources, joined by `_links`:
 * - a board is a `bevoegd-gezag-erkenning` (its `nummer` is the bevoegd gezag nummer) and the
 *   `onderwijsbestuur` it links to (`bestuurID`, `naam`, `kVKnummer`, in/uit bedrijf);
 * - a school is an `onderwijsinstellingserkenning` (`bRIN4`, `soort`, the board it links to
 *   and since when: `bevoegdGezagBegindatum`, else `startdatum`) and the
 *   `onderwijsaanbieder` that links to it (`naam`, `onderwijssector`, in/uit bedrijf,
 *   `samenwerkingsverbanden`);
 * - a vestiging is an `onderwijslocatie` (`vestigingsnummer`, `naam`, `adres`, `gemeentenaam`).
 * Links are matched by their resolved href, never by parsing identifiers out of them.
 * Rejections name the item by its self link (e.g. `onderwijsaanbieders/OA-25BE`).
 */
import { readBundle } from './read-json.js';
import type { KnownKeys, Rejection, Snapshot } from './source.js';

/** The collections a sync reads, in this order. `samenwerkingsverbanden` is DUO's list (optional). */
export const RIO_RESOURCES = [
  'onderwijsbesturen',
  'bevoegd-gezag-erkenningen',
  'onderwijsinstellingserkenningen',
  'onderwijsaanbieders',
  'onderwijslocaties',
  'samenwerkingsverbanden',
] as const;
export type RioResource = (typeof RIO_RESOURCES)[number];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type CollectedItems = Record<RioResource, unknown[]>;

export function snapshotFromApi(
  items: CollectedItems,
  baseUrl: string,
  known: KnownKeys,
  options: { syncedAt: Date; referenceDate: string },
): Snapshot {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const resolve = (href: unknown): string | null => {
    if (typeof href !== 'string' || href === '') return null;
    try {
      return new URL(href, base).toString();
    } catch {
      return null;
    }
  };
  const link = (item: Json, rel: string): string | null => {
    const links = item['_links'];
    if (!isObject(links)) return null;
    const target = links[rel];
    return isObject(target) ? resolve(target['href']) : null;
  };
  const label = (resource: string, item: unknown, index: number): string => {
    const self = isObject(item) ? link(item, 'self') : null;
    if (self && self.startsWith(base.toString())) return self.slice(base.toString().length);
    return self ?? `${resource}[${index}]`;
  };
  const ownRejections: Rejection[] = [];
  const protectedSchools = new Set<string>();
  const labels = new Map<string, string>();
  const bundle: Record<string, unknown[]> = {
    onderwijsbesturen: [],
    samenwerkingsverbanden: [],
    onderwijsinstellingserkenningen: [],
    onderwijsaanbieders: [],
    onderwijslocaties: [],
  };
  const add = (name: string, record: unknown, itemLabel: string) => {
    labels.set(`${name}[${bundle[name]!.length}]`, itemLabel);
    bundle[name]!.push(record);
  };

  const bySelf = (resource: RioResource) => {
    const map = new Map<string, Json>();
    for (const item of items[resource]) {
      const self = isObject(item) ? link(item, 'self') : null;
      if (self && isObject(item)) map.set(self, item);
    }
    return map;
  };
  const besturen = bySelf('onderwijsbesturen');

  // Boards: a bevoegd-gezag-erkenning with its onderwijsbestuur.
  const boardOf = new Map<string, unknown>();
  items['bevoegd-gezag-erkenningen'].forEach((item, i) => {
    const itemLabel = label('bevoegd-gezag-erkenningen', item, i);
    if (!isObject(item)) return add('onderwijsbesturen', item, itemLabel);
    const bestuur = besturen.get(link(item, 'onderwijsbestuur') ?? '') ?? {};
    const self = link(item, 'self');
    if (self) boardOf.set(self, item['nummer']);
    add(
      'onderwijsbesturen',
      {
        bevoegdGezagNummer: item['nummer'],
        bestuurID: bestuur['bestuurID'] ?? null,
        naam: bestuur['naam'] ?? item['naam'],
        kVKnummer: bestuur['kVKnummer'] ?? null,
        rSIN: bestuur['rSIN'] ?? null,
        inBedrijfdatum: bestuur['inBedrijfdatum'] ?? item['startdatum'] ?? null,
        uitBedrijfdatum: bestuur['uitBedrijfdatum'] ?? item['einddatum'] ?? null,
      },
      itemLabel,
    );
  });

  items['samenwerkingsverbanden'].forEach((item, i) => {
    const itemLabel = label('samenwerkingsverbanden', item, i);
    add('samenwerkingsverbanden', isObject(item) ? { code: item['code'], naam: item['naam'], sector: item['sector'] } : item, itemLabel);
  });

  // Schools: an onderwijsinstellingserkenning (BRIN, kind, board) ...
  const erkenningBySelf = new Map<string, Json>();
  items['onderwijsinstellingserkenningen'].forEach((item, i) => {
    const itemLabel = label('onderwijsinstellingserkenningen', item, i);
    if (!isObject(item)) return add('onderwijsinstellingserkenningen', item, itemLabel);
    const self = link(item, 'self');
    if (self) erkenningBySelf.set(self, item);
    const boardHref = link(item, 'bevoegdGezagErkenning');
    if (!boardHref || !boardOf.has(boardHref)) {
      ownRejections.push({
        record: itemLabel,
        field: '_links.bevoegdGezagErkenning',
        value: boardHref,
        reason: boardHref ? 'links to a bevoegd-gezag-erkenning the API did not list' : 'has no link to its bevoegd-gezag-erkenning',
      });
      if (typeof item['bRIN4'] === 'string') protectedSchools.add(item['bRIN4']);
      return;
    }
    add(
      'onderwijsinstellingserkenningen',
      { bRIN4: item['bRIN4'], bevoegdGezagNummer: boardOf.get(boardHref), begindatum: item['bevoegdGezagBegindatum'] ?? item['startdatum'] ?? null },
      itemLabel,
    );
  });

  // ... and the onderwijsaanbieder that links to it (name, sector, dates, SWVs).
  items['onderwijsaanbieders'].forEach((item, i) => {
    const itemLabel = label('onderwijsaanbieders', item, i);
    if (!isObject(item)) return add('onderwijsaanbieders', item, itemLabel);
    const erkenningHref = link(item, 'onderwijsinstellingserkenning');
    const erkenning = erkenningHref ? erkenningBySelf.get(erkenningHref) : undefined;
    if (!erkenning) {
      ownRejections.push({
        record: itemLabel,
        field: '_links.onderwijsinstellingserkenning',
        value: erkenningHref,
        reason: erkenningHref ? 'links to an onderwijsinstellingserkenning the API did not list' : 'has no link to its onderwijsinstellingserkenning',
      });
      return;
    }
    add(
      'onderwijsaanbieders',
      {
        bRIN4: erkenning['bRIN4'],
        naam: item['naam'],
        onderwijssector: item['onderwijssector'],
        soortCode: erkenning['soort'],
        inBedrijfdatum: item['inBedrijfdatum'] ?? null,
        uitBedrijfdatum: item['uitBedrijfdatum'] ?? null,
        samenwerkingsverbanden: item['samenwerkingsverbanden'] ?? [],
      },
      itemLabel,
    );
  });

  items['onderwijslocaties'].forEach((item, i) => {
    const itemLabel = label('onderwijslocaties', item, i);
    add(
      'onderwijslocaties',
      isObject(item)
        ? {
            vestigingsnummer: item['vestigingsnummer'],
            naam: item['naam'],
            adres: item['adres'] ?? null,
            gemeentenaam: item['gemeentenaam'] ?? null,
            uitBedrijfdatum: item['uitBedrijfdatum'] ?? null,
          }
        : item,
      itemLabel,
    );
  });

  const snapshot = readBundle(bundle, known, options);
  // Name every record by the API item it came from, in the record and in reasons.
  const relabel = (text: string) => text.replace(/\b[a-z]+\[\d+\]/g, (m) => labels.get(m) ?? m);
  for (const r of snapshot.rejections) {
    r.record = relabel(r.record);
    r.reason = relabel(r.reason);
  }
  snapshot.rejections.push(...ownRejections);
  snapshot.recordsRead += ownRejections.length;
  for (const brin of protectedSchools) snapshot.protectedKeys.schools.add(brin);
  return snapshot;
}
