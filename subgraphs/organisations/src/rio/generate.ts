/**
 * A realistic, deterministic national RIO data set (same seed, same output), in both import
 * formats: ~1,100 boards with a long tail (largest 85 schools), ~7,500 schools (PO ~6,500,
 * SO ~290, VO ~650, MBO ~60), ~9,000 vestigingen, 150 samenwerkingsverbanden. Names and
 * numbers are fictitious.
 */
import { CSV_COLUMNS } from './read-csv.js';

export interface GenerateOptions {
  boards?: number;
  schools?: number;
  largestBoard?: number;
  seed?: number;
  /** peilmoment of the set */
  syncedAt?: string;
}

export interface GeneratedSet {
  bundle: Record<string, unknown>;
  csv: string;
  stats: { boards: number; schools: number; vestigingen: number; swvs: number; largestBoard: { bevoegdGezagNummer: string; schools: number } };
}

/** mulberry32: a small seeded generator, 0 <= x < 1 (also used by the benchmarks' generators). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CITIES = [
  'Amsterdam', 'Rotterdam', 'Den Haag', 'Utrecht', 'Eindhoven', 'Groningen', 'Tilburg', 'Almere', 'Breda', 'Nijmegen',
  'Apeldoorn', 'Haarlem', 'Arnhem', 'Enschede', 'Amersfoort', 'Zaanstad', "'s-Hertogenbosch", 'Zwolle', 'Leiden', 'Maastricht',
  'Dordrecht', 'Ede', 'Alkmaar', 'Emmen', 'Delft', 'Venlo', 'Deventer', 'Sittard-Geleen', 'Helmond', 'Oss',
  'Leeuwarden', 'Hilversum', 'Súdwest-Fryslân', 'Heerlen', 'Assen', 'Gouda', 'Middelburg', 'Lelystad', 'Roermond', 'Zeist',
];
const STREETS = ['Schoolstraat', 'Kerkstraat', 'Dorpsstraat', 'Molenweg', 'Lindelaan', 'Julianastraat', 'Beatrixlaan', 'Stationsweg', 'Parkweg', 'Kastanjelaan'];
const SCHOOL_WORDS = [
  'De Regenboog', 'Het Kompas', 'De Wilgen', 'Het Anker', 'De Zonnewijzer', 'Één Wereld', 'De Vlinder', 'Øresund', 'De Sterrenwacht',
  'Het Palet', 'De Linde', 'Sint-Jozef', 'De Klimop', 'Het Baken', 'De Fontein', 'Ons Erf', 'De Ark', 'Het Mozaïek', 'Crescendo', 'Wereldwijs',
];
const BOARD_WORDS = ['Openbaar Onderwijs', 'Katholiek Onderwijs', 'Christelijk Onderwijs', 'Primair Onderwijs', 'Onderwijsgroep', 'Scholengroep', 'Kindcentra', 'Passend Leren'];

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * Long-tail board sizes: size(r) = largest * (1 + r/k)^-0.8, at least 1, with k chosen so
 * that the sizes add up to the number of schools (the tail absorbs the rounding).
 */
function boardSizes(boards: number, schools: number, largest: number): number[] {
  if (schools < boards || schools > boards * largest) {
    throw new Error(`cannot spread ${schools} schools over ${boards} boards of 1 to ${largest} schools`);
  }
  const sizesFor = (k: number) =>
    Array.from({ length: boards }, (_, r) => (r === 0 ? largest : Math.max(1, Math.round(largest * (1 + r / k) ** -0.8))));
  const total = (sizes: number[]) => sizes.reduce((a, b) => a + b, 0);
  let low = 1e-3;
  let high = 1e6;
  for (let i = 0; i < 100; i++) {
    const mid = Math.sqrt(low * high);
    if (total(sizesFor(mid)) > schools) high = mid;
    else low = mid;
  }
  const sizes = sizesFor(low);
  let sum = total(sizes);
  // Rounding leaves a small difference: spread it over the tail, keeping sizes descending.
  for (let guard = 0; sum !== schools && guard < 1000; guard++) {
    for (let r = boards - 1; r >= 1 && sum !== schools; r--) {
      if (sum < schools && sizes[r]! < sizes[r - 1]!) {
        sizes[r]!++;
        sum++;
      } else if (sum > schools && sizes[r]! > 1 && (r === boards - 1 || sizes[r]! > sizes[r + 1]!)) {
        sizes[r]!--;
        sum--;
      }
    }
  }
  if (sum !== schools) throw new Error(`could not spread ${schools} schools over ${boards} boards`);
  return sizes;
}

function csvField(value: string | null): string {
  if (value === null) return '';
  return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function generateNationalSet(options: GenerateOptions = {}): GeneratedSet {
  const boardCount = options.boards ?? 1100;
  const schoolCount = options.schools ?? 7500;
  const largest = options.largestBoard ?? 85;
  const random = prng(options.seed ?? 20261101);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const date = (fromYear: number, toYear: number) =>
    `${fromYear + Math.floor(random() * (toYear - fromYear + 1))}-${pad(1 + Math.floor(random() * 12), 2)}-01`;

  // 12 regions, each with PO and VO samenwerkingsverbanden: 76 PO + 74 VO = 150.
  const swvs: { code: string; naam: string; sector: 'PO' | 'VO'; region: number }[] = [];
  for (const [sector, count] of [['PO', 76], ['VO', 74]] as const) {
    for (let n = 0; n < count; n++) {
      const region = n % 12;
      const code = `${sector}${20 + region}${pad(1 + Math.floor(n / 12), 2)}`;
      swvs.push({ code, naam: `Samenwerkingsverband ${sector} ${CITIES[region]} ${1 + Math.floor(n / 12)}`, sector, region });
    }
  }
  const swvsOf = (sector: 'PO' | 'VO', region: number) => swvs.filter((s) => s.sector === sector && s.region === region);

  const sizes = boardSizes(boardCount, schoolCount, largest);
  const besturen: Record<string, unknown>[] = [];
  const erkenningen: Record<string, unknown>[] = [];
  const aanbieders: Record<string, unknown>[] = [];
  const locaties: Record<string, unknown>[] = [];
  // The one-file form with SOORT: ONDERWIJSSTRUCTUUR (DUO's per-sector files) is not written.
  const columns = (Object.keys(CSV_COLUMNS) as (keyof typeof CSV_COLUMNS)[]).filter((c): c is Exclude<typeof c, 'structure'> => c !== 'structure');
  const header = columns.map((c) => CSV_COLUMNS[c]);
  const lines = [header.join(';')];
  let schoolIndex = 0;
  let vestigingen = 0;
  for (let b = 0; b < boardCount; b++) {
    const nummer = String(10000 + b * 71);
    const region = b % 12;
    const city = CITIES[(b * 7) % CITIES.length]!;
    const board = {
      bevoegdGezagNummer: nummer,
      bestuurID: `${100 + (b % 900)}B${pad(100 + Math.floor(b / 900), 3)}`,
      naam: `Stichting ${pick(BOARD_WORDS)} ${city} ${b + 1}`,
      kVKnummer: String(40000000 + b * 13),
      inBedrijfdatum: date(1980, 2015),
      uitBedrijfdatum: null as string | null,
    };
    besturen.push(board);
    // Board kind: most boards PO (with some SO), some VO, a few MBO.
    const kind = b % 17 === 5 ? 'VO' : b % 97 === 3 ? 'MBO' : 'PO';
    for (let k = 0; k < sizes[b]!; k++, schoolIndex++) {
      const j = schoolIndex;
      const brin = `${pad(j % 100, 2)}${ALNUM[Math.floor(j / 100) % 36]}${ALNUM[Math.floor(j / 3600) % 36]}`;
      const sector: 'PO' | 'SO' | 'VO' | 'MBO' = kind === 'PO' ? (random() < 0.043 ? 'SO' : 'PO') : kind;
      const soort = sector === 'PO' ? (random() < 0.05 ? 'SBAS' : 'BAS') : sector === 'SO' ? 'SPEC' : sector === 'VO' ? 'VOS' : 'ROC';
      const prefix = sector === 'VO' ? 'College' : sector === 'MBO' ? 'ROC' : sector === 'SO' ? 'School voor Speciaal Onderwijs' : 'Basisschool';
      const naam = `${prefix} ${pick(SCHOOL_WORDS)} ${city}${k ? ` ${k + 1}` : ''}`;
      const start = date(1950, 2020);
      const end = random() < 0.02 ? date(2021, 2025) : null;
      const swvSector = sector === 'VO' ? 'VO' : sector === 'MBO' ? null : 'PO';
      const swv = swvSector ? pick(swvsOf(swvSector, region)) : null;
      erkenningen.push({ bRIN4: brin, bevoegdGezagNummer: nummer, begindatum: start });
      aanbieders.push({
        bRIN4: brin,
        naam,
        onderwijssector: sector,
        soortCode: soort,
        inBedrijfdatum: start,
        uitBedrijfdatum: end,
        samenwerkingsverbanden: swv ? [swv.code] : [],
      });
      const extra = random() < 0.2 ? (random() < 0.05 ? 2 : 1) : 0;
      for (let v = 0; v <= extra; v++) {
        vestigingen++;
        const loc = {
          vestigingsnummer: `${brin}${pad(v, 2)}`,
          naam: v ? `${naam} (locatie ${v + 1})` : naam,
          adres: {
            straatnaam: pick(STREETS),
            huisnummer: String(1 + Math.floor(random() * 200)),
            postcode: `${1000 + Math.floor(random() * 8999)}${ALNUM[10 + Math.floor(random() * 26)]}${ALNUM[10 + Math.floor(random() * 26)]}`,
            plaatsnaam: city,
          },
          gemeentenaam: city,
          uitBedrijfdatum: null,
        };
        locaties.push(loc);
        const row: Record<Exclude<keyof typeof CSV_COLUMNS, 'structure'>, string | null> = {
          boardNummer: nummer,
          boardName: board.naam,
          rioCode: board.bestuurID,
          kvk: board.kVKnummer,
          rsin: null,
          boardStart: board.inBedrijfdatum,
          boardEnd: board.uitBedrijfdatum,
          brin,
          schoolName: naam,
          sector,
          kind: soort,
          schoolStart: start,
          schoolEnd: end,
          boardSince: start,
          vestiging: loc.vestigingsnummer,
          vestigingName: loc.naam,
          street: loc.adres.straatnaam,
          houseNumber: loc.adres.huisnummer,
          postcode: loc.adres.postcode,
          city,
          municipality: city,
          vestigingEnd: null,
          swv: swv?.code ?? null,
          swvName: swv?.naam ?? null,
        };
        lines.push(columns.map((c) => csvField(row[c])).join(';'));
      }
    }
  }
  const syncedAt = options.syncedAt ?? '2026-11-01T06:00:00.000Z';
  return {
    bundle: {
      peilmoment: syncedAt,
      peildatum: syncedAt.slice(0, 10),
      onderwijsbesturen: besturen,
      samenwerkingsverbanden: swvs.map(({ code, naam, sector }) => ({ code, naam, sector })),
      onderwijsinstellingserkenningen: erkenningen,
      onderwijsaanbieders: aanbieders,
      onderwijslocaties: locaties,
    },
    csv: `${lines.join('\r\n')}\r\n`,
    stats: {
      boards: boardCount,
      schools: schoolIndex,
      vestigingen,
      swvs: swvs.length,
      largestBoard: { bevoegdGezagNummer: String(10000), schools: sizes[0]! },
    },
  };
}
