/**
 * The analytics benchmark's extra data: generated mandates of the non-OSO services of the
 * catalogue on top of the national set of data.ts, until the mandates collection holds the
 * wanted number of documents. Deterministic: a seeded generator over the schools in BRIN
 * order, with the dates counted from `today` (so the mix of statuses holds whenever it runs).
 *
 * Per school several services (by sector), per board one RIO mandate (board level), each slot
 * (school or board + service) a chain of 1 to 4 mandates: earlier ones ENDED (a system switch:
 * ended on day D, the next starting D + 1 with another system; or a gap), the last ACTIVE
 * (start in the past, no end, a few with an end date ahead), PLANNED (start in the future) or
 * ENDED (end in the past); starts spread from the migration (15 August 2022) to today, so the
 * month series grows. Written as the bulk part of data.ts is: through the mandates package's
 * bulk load (each mandate with its history entry: CREATED, or SWITCHED_TO after a switch).
 */
import type { BulkMandate, MandatesBulkLoad } from '@osr/subgraph-mandates/bulk';
import type { ServiceCode, SupplierDocument, SystemDocument } from '@osr/subgraph-mandates/documents';
import { prng } from '@osr/subgraph-organisations/rio/generate';

/**
 * Two generated suppliers for the services the demo catalogue has no system for
 * (DOORSTROOMTOETS_PO, RIO, VVA) and a second system where it has one only.
 */
export const BENCH_SUPPLIERS: SupplierDocument[] = [
  { oin: '00000003999000000001', name: 'Toetsplatform Benchmark B.V.' },
  { oin: '00000003999000000002', name: 'Ketendiensten Benchmark B.V.' },
];
export const BENCH_SYSTEMS: SystemDocument[] = [
  { id: 'bench-toets', name: 'Benchmark Toetsplatform', kind: 'TEST_SYSTEM', supplierOin: BENCH_SUPPLIERS[0]!.oin, services: ['DOORSTROOMTOETS_PO', 'CENTRAAL_EXAMEN_VO'] },
  { id: 'bench-keten', name: 'Benchmark Ketenkoppeling', kind: 'LAS', supplierOin: BENCH_SUPPLIERS[1]!.oin, services: ['DOORSTROOMTOETS_PO', 'ROD_PO', 'ROD_VO', 'VERZUIM', 'VVA', 'RIO'] },
];

/** The school-level services a school of a sector gets mandates for. */
const SERVICES_BY_SECTOR: Record<string, ServiceCode[]> = {
  PO: ['ROD_PO', 'DOORSTROOMTOETS_PO', 'VERZUIM', 'VVA'],
  SO: ['ROD_PO', 'VERZUIM', 'VVA'],
  VO: ['ROD_VO', 'CENTRAAL_EXAMEN_VO', 'VERZUIM'],
  MBO: ['VERZUIM'],
};
const BOARD_SERVICES: ServiceCode[] = ['RIO'];
export const MIGRATION_DAY = '2022-08-15';

/** The RIO generator's seeded generator (mulberry32), 0 <= x < 1. */
export const seededRandom = prng;

const DAY_MS = 24 * 60 * 60 * 1000;
const dayNumber = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
const isoOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

interface Slot {
  brin: string | null;
  board: string;
  service: ServiceCode;
  systems: string[];
  /** how many mandates the slot may take; the fill goes round the slots until the total is reached */
  capacity: number;
  length: number;
}

export interface GeneratedMandates {
  /** per slot in the order of its history */
  mandates: BulkMandate[];
  slots: number;
  switches: number;
}

/** The mandates to add: exactly `count` (none when count <= 0). */
export function generateMandates(input: {
  schools: readonly { brin: string; boardNummer: string; sector: string }[];
  boards: readonly string[];
  systems: readonly SystemDocument[];
  count: number;
  seed: number;
  today: string;
}): GeneratedMandates {
  const random = seededRandom(input.seed);
  const int = (min: number, max: number) => (max <= min ? min : min + Math.floor(random() * (max - min + 1)));
  const systemsOf = (service: ServiceCode) => input.systems.filter((s) => s.services.includes(service)).map((s) => s.id).sort();
  const slots: Slot[] = [];
  const add = (brin: string | null, board: string, service: ServiceCode) => {
    const systems = systemsOf(service);
    if (!systems.length) return;
    const r = random();
    slots.push({ brin, board, service, systems, capacity: r < 0.35 ? 1 : r < 0.7 ? 2 : r < 0.9 ? 3 : 4, length: 0 });
  };
  for (const school of [...input.schools].sort((a, b) => (a.brin < b.brin ? -1 : 1))) {
    for (const service of SERVICES_BY_SECTOR[school.sector] ?? []) add(school.brin, school.boardNummer, service);
  }
  for (const board of [...input.boards].sort()) for (const service of BOARD_SERVICES) add(null, board, service);
  if (input.count <= 0 || !slots.length) return { mandates: [], slots: slots.length, switches: 0 };

  // Fill: a deterministic order of the slots, one more mandate per visit while capacity lasts.
  const order = slots.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let left = input.count;
  while (left > 0) {
    let added = 0;
    for (const i of order) {
      const slot = slots[i]!;
      if (left === 0) break;
      if (slot.length >= slot.capacity) continue;
      slot.length++;
      left--;
      added++;
    }
    if (added === 0) for (const slot of slots) slot.capacity++;
  }

  const first = dayNumber(MIGRATION_DAY);
  const today = dayNumber(input.today);
  const mandates: BulkMandate[] = [];
  let switches = 0;
  for (const slot of slots) {
    if (!slot.length) continue;
    const n = slot.length;
    // The last mandate's fate; the earlier ones all ended before it started.
    const fate = random();
    let lastStart: number;
    let lastEnd: number | null = null;
    const earliest = Math.min(today - 2, first + 45 * (n - 1));
    if (fate < 0.65) {
      lastStart = int(earliest, today);
      if (random() < 0.15) lastEnd = int(today, today + 365);
    } else if (fate < 0.8) {
      lastStart = int(earliest, today - 2);
      lastEnd = int(lastStart, today - 1);
    } else {
      lastStart = int(today + 1, today + 270);
      if (random() < 0.1) lastEnd = lastStart + 365;
    }
    // Earlier starts: one per equal part of [first, lastStart), in order.
    const starts: number[] = [];
    const span = Math.max(n, lastStart - first);
    for (let i = 0; i < n - 1; i++) {
      const from = first + Math.floor((i * span) / n);
      starts.push(Math.max((starts[starts.length - 1] ?? first - 1) + 1, from + Math.floor(random() * (span / n / 2))));
    }
    starts.push(lastStart);
    let system = slot.systems[int(0, slot.systems.length - 1)]!;
    let switched = false;
    for (let i = 0; i < n; i++) {
      const start = starts[i]!;
      let end: number | null = i === n - 1 ? lastEnd : null;
      let nextSystem = system;
      let nextSwitched = false;
      if (i < n - 1) {
        const next = starts[i + 1]!;
        const others = slot.systems.filter((s) => s !== system);
        if (others.length && random() < 0.6 && next - 1 >= start) {
          end = next - 1; // system switch: the next one starts the day after
          nextSystem = others[int(0, others.length - 1)]!;
          nextSwitched = true;
        } else {
          end = Math.max(start, next - 1 - int(1, Math.min(60, Math.max(1, next - start - 1))));
          if (end >= next) end = next - 1;
          nextSystem = slot.systems[int(0, slot.systems.length - 1)]!;
        }
      }
      // recorded some days before the start, never after yesterday
      const createdAt = new Date(Math.min(today - 1, Math.max(first, start - int(0, 30))) * DAY_MS + 9 * 3600_000);
      mandates.push({
        id: `bench-${slot.brin ?? `board-${slot.board}`}-${slot.service}-${i + 1}`,
        serviceCode: slot.service,
        systemId: system,
        brin: slot.brin,
        boardNummer: slot.board,
        startDate: isoOf(start),
        endDate: end === null ? null : isoOf(end),
        origin: 'OSR',
        version: 1,
        createdAt,
        createdBy: 'analytics benchmark',
        updatedAt: createdAt,
        lastReviewedAt: null,
        lastReviewedBy: null,
        recordedAs: switched ? 'SWITCHED_TO' : 'CREATED',
      });
      if (nextSwitched) switches++;
      system = nextSystem;
      switched = nextSwitched;
    }
  }
  return { mandates, slots: slots.filter((s) => s.length > 0).length, switches };
}

/**
 * Adds the generated suppliers and systems to the catalogue and the generated mandates (with
 * their history) until the schools' boards hold `total` mandates, through the mandates
 * package's bulk load; the caller runs its `finish` when done loading. Returns what it wrote.
 */
export async function addGeneratedMandates(
  load: MandatesBulkLoad,
  schools: readonly { brin: string; boardNummer: string; sector: string }[],
  options: {
    total: number;
    seed: number;
    today: string;
    log?: (line: string) => void;
    progress?: (done: number, total: number) => void;
    /** changes the generated mandates before they are loaded (a data set's year checks, say) */
    prepare?: (mandates: BulkMandate[]) => void;
  },
): Promise<{ before: number; added: number; slots: number; switches: number; after: number }> {
  await load.addToCatalogue({ suppliers: BENCH_SUPPLIERS, systems: BENCH_SYSTEMS });
  const systems = await load.systems();
  const boards = [...new Set(schools.map((s) => s.boardNummer))].sort();
  const before = (await load.mandatesOfBoards(boards)).length;
  const generated = generateMandates({ schools, boards, systems, count: options.total - before, seed: options.seed, today: options.today });
  options.prepare?.(generated.mandates);
  let logged = 0;
  const written = await load.loadMandates({ mandates: generated.mandates }, { by: 'analytics benchmark', bySub: 'bench' }, (done, work) => {
    options.progress?.(done, work);
    if (done - logged >= 10_000) {
      logged = done;
      options.log?.(`  ${done}/${work} mandates and history entries written`);
    }
  });
  return { before, added: written.mandates, slots: generated.slots, switches: generated.switches, after: before + written.mandates };
}
