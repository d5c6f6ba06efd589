/**
 * A local stand-in for the RIO (LOD) REST API, for tests and the demo (127.0.0.1 only). It
 * serves a RIO JSON bundle (e.g. the generated national set) in the API's HAL shape:
 *
 *   GET <base>/onderwijsbesturen?page=0&pageSize=200&datumGeldigOp=2026-11-01
 *   GET <base>/bevoegd-gezag-erkenningen[?onderwijsbestuur=<bestuurID>]
 *   GET <base>/onderwijsinstellingserkenningen[?bevoegdGezagErkenning=<nummer>]
 *   GET <base>/onderwijsaanbieders[?onderwijsinstellingserkenning=<BRIN>]
 *   GET <base>/onderwijslocaties[?onderwijsaanbieder=<id>]
 *   GET <base>/samenwerkingsverbanden            (DUO's list, served alongside)
 *   GET <base>/<resource>/<id>                   (one item)
 *
 * Collections: `{ _embedded: { <resource>: [...] }, _links: { self, first, last, next?, prev? },
 * page: { number, size, totalElements, totalPages } }`, pages from 0. Items carry `_links`
 * (self and relations, absolute hrefs). `datumGeldigOp` leaves out what starts after that
 * date; ended records stay, with their end date. The API key is checked in `x-api-key`.
 *
 * Fault switches (change `server.faults` at any time): `delayMs` (slow answers),
 * `tooManyRequests` (the next N requests get 429 with Retry-After `retryAfterSeconds`),
 * `serverErrors` (the next N get 500), `breakAfterPages` + `breakCount` (after that many
 * pages served, the next `breakCount` page requests are cut off mid-answer: connection
 * reset), `malformed` (a few records served broken: a bad sector, a locatie that is not an
 * object, an erkenning linking to an unknown board).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RioApiFaults {
  delayMs: number;
  tooManyRequests: number;
  retryAfterSeconds: number;
  serverErrors: number;
  breakAfterPages: number | null;
  breakCount: number;
  malformed: boolean;
}

export interface RioApiServer {
  /** Base URL, ending in / (give it to the sync as RIO_API_URL). */
  url: string;
  faults: RioApiFaults;
  /** Serve another bundle from now on (e.g. the next day's data). */
  setBundle(bundle: Record<string, unknown>): void;
  /** Requests seen (and their paths with query), page answers given in full, and answers by status. */
  stats: { requests: number; paths: string[]; pagesServed: number; byStatus: Record<number, number> };
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Entry {
  id: string;
  start: string | null;
  relations: Record<string, string>;
  item: unknown;
}

const RESOURCES = [
  'onderwijsbesturen',
  'bevoegd-gezag-erkenningen',
  'onderwijsinstellingserkenningen',
  'onderwijsaanbieders',
  'onderwijslocaties',
  'samenwerkingsverbanden',
] as const;
type Resource = (typeof RESOURCES)[number];
const MAX_PAGE_SIZE = 1000;
const WET: Record<string, string> = { PO: 'WPO', SO: 'WEC', VO: 'WVO', MBO: 'WEB' };

const list = (bundle: Json, name: string): Json[] => (Array.isArray(bundle[name]) ? (bundle[name] as Json[]) : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The bundle as API collections, with links under `base`. */
function buildIndex(bundle: Json, base: string, malformed: boolean): Record<Resource, Entry[]> {
  const href = (path: string) => ({ href: `${base}${path}` });
  const besturen = list(bundle, 'onderwijsbesturen');
  const aanbieders = new Map(list(bundle, 'onderwijsaanbieders').map((a) => [String(a['bRIN4']), a]));
  const bestuurId = (b: Json) => str(b['bestuurID']) ?? `B${String(b['bevoegdGezagNummer'])}`;
  const index: Record<Resource, Entry[]> = {
    onderwijsbesturen: besturen.map((b) => ({
      id: bestuurId(b),
      start: str(b['inBedrijfdatum']),
      relations: {},
      item: {
        bestuurID: b['bestuurID'] ?? null,
        naam: b['naam'],
        kVKnummer: b['kVKnummer'] ?? null,
        rSIN: b['rSIN'] ?? null,
        inBedrijfdatum: b['inBedrijfdatum'] ?? null,
        uitBedrijfdatum: b['uitBedrijfdatum'] ?? null,
        _links: {
          self: href(`onderwijsbesturen/${bestuurId(b)}`),
          bevoegdGezagErkenningen: href(`bevoegd-gezag-erkenningen?onderwijsbestuur=${bestuurId(b)}`),
        },
      },
    })),
    'bevoegd-gezag-erkenningen': besturen.map((b) => {
      const nummer = String(b['bevoegdGezagNummer']);
      return {
        id: nummer,
        start: str(b['inBedrijfdatum']),
        relations: { onderwijsbestuur: bestuurId(b) },
        item: {
          nummer,
          naam: b['naam'],
          startdatum: b['inBedrijfdatum'] ?? null,
          einddatum: b['uitBedrijfdatum'] ?? null,
          _links: {
            self: href(`bevoegd-gezag-erkenningen/${nummer}`),
            onderwijsbestuur: href(`onderwijsbesturen/${bestuurId(b)}`),
            onderwijsinstellingserkenningen: href(`onderwijsinstellingserkenningen?bevoegdGezagErkenning=${nummer}`),
          },
        },
      };
    }),
    onderwijsinstellingserkenningen: list(bundle, 'onderwijsinstellingserkenningen').map((e) => {
      const brin = String(e['bRIN4']);
      const a = aanbieders.get(brin) ?? {};
      const naam = str(a['naam']) ?? '';
      return {
        id: brin,
        start: str(a['inBedrijfdatum']),
        relations: { bevoegdGezagErkenning: String(e['bevoegdGezagNummer']) },
        item: {
          bRIN4: brin,
          verkorteNaam: naam.length > 40 ? naam.slice(0, 40) : naam,
          volledigeNaam: naam,
          soort: a['soortCode'] ?? null,
          wet: WET[String(a['onderwijssector'])] ?? null,
          startdatum: a['inBedrijfdatum'] ?? null,
          einddatum: a['uitBedrijfdatum'] ?? null,
          bevoegdGezagBegindatum: e['begindatum'] ?? null,
          _links: {
            self: href(`onderwijsinstellingserkenningen/${brin}`),
            bevoegdGezagErkenning: href(`bevoegd-gezag-erkenningen/${String(e['bevoegdGezagNummer'])}`),
            onderwijsaanbieder: href(`onderwijsaanbieders/OA-${brin}`),
          },
        },
      };
    }),
    onderwijsaanbieders: list(bundle, 'onderwijsaanbieders').map((a) => {
      const brin = String(a['bRIN4']);
      return {
        id: `OA-${brin}`,
        start: str(a['inBedrijfdatum']),
        relations: { onderwijsinstellingserkenning: brin },
        item: {
          naam: a['naam'],
          onderwijssector: a['onderwijssector'],
          inBedrijfdatum: a['inBedrijfdatum'] ?? null,
          uitBedrijfdatum: a['uitBedrijfdatum'] ?? null,
          samenwerkingsverbanden: a['samenwerkingsverbanden'] ?? [],
          _links: {
            self: href(`onderwijsaanbieders/OA-${brin}`),
            onderwijsinstellingserkenning: href(`onderwijsinstellingserkenningen/${brin}`),
            onderwijslocaties: href(`onderwijslocaties?onderwijsaanbieder=OA-${brin}`),
          },
        },
      };
    }),
    onderwijslocaties: list(bundle, 'onderwijslocaties').map((l) => {
      const nummer = String(l['vestigingsnummer']);
      return {
        id: nummer,
        start: null,
        relations: { onderwijsaanbieder: `OA-${nummer.slice(0, 4)}` },
        item: {
          vestigingsnummer: nummer,
          naam: l['naam'],
          adres: l['adres'] ?? null,
          gemeentenaam: l['gemeentenaam'] ?? null,
          uitBedrijfdatum: l['uitBedrijfdatum'] ?? null,
          _links: {
            self: href(`onderwijslocaties/${nummer}`),
            onderwijsaanbieder: href(`onderwijsaanbieders/OA-${nummer.slice(0, 4)}`),
          },
        },
      };
    }),
    samenwerkingsverbanden: list(bundle, 'samenwerkingsverbanden').map((s) => ({
      id: String(s['code']),
      start: null,
      relations: {},
      item: { code: s['code'], naam: s['naam'], sector: s['sector'], _links: { self: href(`samenwerkingsverbanden/${String(s['code'])}`) } },
    })),
  };
  if (malformed) {
    const aanbieder = index.onderwijsaanbieders[2];
    if (aanbieder) aanbieder.item = { ...(aanbieder.item as Json), onderwijssector: 'XX' };
    const locatie = index.onderwijslocaties[4];
    if (locatie) locatie.item = 'kapot';
    const erkenning = index.onderwijsinstellingserkenningen[6];
    if (erkenning) {
      const item = erkenning.item as Json;
      erkenning.item = { ...item, _links: { ...(item['_links'] as Json), bevoegdGezagErkenning: href('bevoegd-gezag-erkenningen/99999') } };
    }
  }
  return index;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/hal+json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startRioApiServer(options: {
  bundle: Record<string, unknown>;
  apiKey: string;
  port?: number;
  faults?: Partial<RioApiFaults>;
}): Promise<RioApiServer> {
  let bundle = options.bundle;
  let cache: { base: string; malformed: boolean; index: Record<Resource, Entry[]> } | null = null;
  const faults: RioApiFaults = {
    delayMs: 0,
    tooManyRequests: 0,
    retryAfterSeconds: 1,
    serverErrors: 0,
    breakAfterPages: null,
    breakCount: 1,
    malformed: false,
    ...options.faults,
  };
  const stats = { requests: 0, paths: [] as string[], pagesServed: 0, byStatus: {} as Record<number, number> };
  let base = '';
  const indexOf = () => {
    if (!cache || cache.base !== base || cache.malformed !== faults.malformed) {
      cache = { base, malformed: faults.malformed, index: buildIndex(bundle, base, faults.malformed) };
    }
    return cache.index;
  };
  const answer = (res: http.ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    send(res, status, body, headers);
  };

  const server = http.createServer((req, res) => {
    stats.requests++;
    stats.paths.push(req.url ?? '');
    void (async () => {
      if (faults.delayMs > 0) await new Promise((r) => setTimeout(r, faults.delayMs));
      if (req.method !== 'GET') return answer(res, 405, { status: 405, title: 'Method Not Allowed' });
      if (req.headers['x-api-key'] !== options.apiKey) return answer(res, 401, { status: 401, title: 'Unauthorized', detail: 'a valid x-api-key is required' });
      if (faults.tooManyRequests > 0) {
        faults.tooManyRequests--;
        return answer(res, 429, { status: 429, title: 'Too Many Requests' }, { 'retry-after': String(faults.retryAfterSeconds) });
      }
      if (faults.serverErrors > 0) {
        faults.serverErrors--;
        return answer(res, 500, { status: 500, title: 'Internal Server Error' });
      }
      const url = new URL(req.url ?? '/', base);
      const path = url.pathname.slice(new URL(base).pathname.length).split('/').filter(Boolean);
      const resource = path[0] as Resource | undefined;
      if (!resource || !RESOURCES.includes(resource) || path.length > 2) return answer(res, 404, { status: 404, title: 'Not Found' });
      const validOn = url.searchParams.get('datumGeldigOp');
      if (validOn !== null && !/^\d{4}-\d{2}-\d{2}$/.test(validOn)) {
        return answer(res, 400, { status: 400, title: 'Bad Request', detail: 'datumGeldigOp is a date YYYY-MM-DD' });
      }
      const entries = indexOf()[resource].filter((e) => validOn === null || e.start === null || e.start <= validOn);
      if (path.length === 2) {
        const entry = entries.find((e) => e.id === decodeURIComponent(path[1]!));
        return entry ? answer(res, 200, entry.item) : answer(res, 404, { status: 404, title: 'Not Found' });
      }
      const page = Number(url.searchParams.get('page') ?? '0');
      const size = Number(url.searchParams.get('pageSize') ?? '100');
      if (!Number.isInteger(page) || page < 0 || !Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
        return answer(res, 400, { status: 400, title: 'Bad Request', detail: `page >= 0, 1 <= pageSize <= ${MAX_PAGE_SIZE}` });
      }
      let selected = entries;
      for (const [key, value] of url.searchParams) {
        if (['page', 'pageSize', 'datumGeldigOp'].includes(key)) continue;
        selected = selected.filter((e) => e.relations[key] === value);
      }
      const totalPages = Math.ceil(selected.length / size);
      const link = (p: number) => {
        const u = new URL(url);
        u.searchParams.set('page', String(p));
        u.searchParams.set('pageSize', String(size));
        return { href: u.toString() };
      };
      const body = {
        _embedded: { [resource]: selected.slice(page * size, (page + 1) * size).map((e) => e.item) },
        _links: {
          self: link(page),
          first: link(0),
          last: link(Math.max(0, totalPages - 1)),
          ...(page + 1 < totalPages ? { next: link(page + 1) } : {}),
          ...(page > 0 ? { prev: link(page - 1) } : {}),
        },
        page: { number: page, size, totalElements: selected.length, totalPages },
      };
      if (faults.breakAfterPages !== null && stats.pagesServed >= faults.breakAfterPages && faults.breakCount > 0) {
        faults.breakCount--;
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/hal+json', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      stats.pagesServed++;
      answer(res, 200, body);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { status: 500, title: String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rio/v2/`;
  return {
    url: base,
    faults,
    stats,
    setBundle(next) {
      bundle = next;
      cache = null;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
