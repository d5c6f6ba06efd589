/**
 * Aggregates over agreements and review items (issue 10), counted in the database with the
 * portable subset ($match, $group with $sum, $sort, $limit, $project): the subgraph receives
 * counts and at most one row per board, never the documents' contents.
 */
import { userError, type Identity } from '@osr/common';
import type { Collection, Document, Filter } from 'mongodb';
import type { AgreementDocument, ReviewItemDocument, ReviewReason, ServiceStart } from './documents.js';
import { SIGNED_STATUSES } from './lifecycle.js';
import type { AgreementsRepository } from './repository.js';

export type AgeBucket = 'DAYS_0_7' | 'DAYS_8_30' | 'DAYS_31_90' | 'OVER_90_DAYS';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Each bucket as an age range in whole days: [from, to) with to null = open. */
export const AGE_BUCKETS: readonly { age: AgeBucket; fromDays: number; toDays: number | null }[] = [
  { age: 'DAYS_0_7', fromDays: 0, toDays: 8 },
  { age: 'DAYS_8_30', fromDays: 8, toDays: 31 },
  { age: 'DAYS_31_90', fromDays: 31, toDays: 91 },
  { age: 'OVER_90_DAYS', fromDays: 91, toDays: null },
];

/** Moments whose age at `reference` falls in the bucket, as a range filter on a Date field. */
function ageRange(reference: Date, bucket: (typeof AGE_BUCKETS)[number]): { $lte: Date; $gt?: Date } {
  const range: { $lte: Date; $gt?: Date } = { $lte: new Date(reference.getTime() - bucket.fromDays * DAY_MS) };
  if (bucket.toDays !== null) range.$gt = new Date(reference.getTime() - bucket.toDays * DAY_MS);
  return range;
}

export interface AgreementCountsView {
  asOf: string;
  boardsWithOsoAgreement: number;
  boardsWithSwvExtension: number;
  boardsWithoutSwvExtension: number;
  requested: number;
  waitingForSignature: number;
  waitingByAge: { age: AgeBucket; count: number }[];
  oldestWaitingSince: Date | null;
}

export interface ReviewItemCountView {
  reason: ReviewReason;
  age: AgeBucket;
  count: number;
}

/** National figures for support, analysts and services; a board with OSR_TOEGANG its own; others FORBIDDEN. */
export function analyticsBoard(identity: Identity, what: string): string | null {
  if (identity.role === 'SUPPORT' || identity.role === 'ANALYST' || identity.role === 'SERVICE') return null;
  if (identity.role === 'BOARD' && identity.board && identity.rights.includes('OSR_TOEGANG')) return identity.board;
  if (identity.role === 'BOARD') throw userError('FORBIDDEN', `You may not see ${what}: your account lacks the right OSR_TOEGANG`);
  throw userError('FORBIDDEN', `${what} are for support, analysts and boards (their own figures)`);
}

/** The end of a calendar day as a moment: the day's last millisecond, or now when that is earlier. */
export function referenceMoment(asOf: string, now: Date): Date {
  const end = new Date(`${asOf}T23:59:59.999Z`);
  return end < now ? end : now;
}

async function countOf<T extends Document>(collection: Collection<T>, filter: Filter<T>): Promise<number> {
  const rows = await collection.aggregate<{ n: number }>([{ $match: filter }, { $group: { _id: null, n: { $sum: 1 } } }]).toArray();
  return rows[0]?.n ?? 0;
}

export async function agreementCounts(repo: AgreementsRepository, board: string | null, asOf: string, now: Date): Promise<AgreementCountsView> {
  const mine: Filter<AgreementDocument> = board ? { boardNummer: board } : {};
  // In force on asOf: signed (possibly terminated or expired since), asOf within validity;
  // not an extension request. At most one such agreement per board per period: one row each.
  const inForce = await repo.agreements
    .aggregate<{ _id: { board: string; services: string[]; starts: ServiceStart[] | null } }>([
      {
        $match: {
          $and: [
            mine,
            { type: 'OSO', extensionOf: null, status: { $in: [...SIGNED_STATUSES] } },
            { validFrom: { $ne: null, $lte: asOf } },
            { $or: [{ validUntil: null }, { validUntil: { $gte: asOf } }] },
          ],
        },
      },
      { $group: { _id: { board: '$boardNummer', services: '$services', starts: '$serviceStarts' }, n: { $sum: 1 } } },
    ])
    .toArray();
  // Extensions signed but not yet applied to their agreement (stopped in between) still count.
  const extensions = await repo.agreements
    .aggregate<{ _id: string }>([
      { $match: { $and: [mine, { type: 'OSO', extensionOf: { $ne: null }, status: 'SIGNED', validFrom: { $ne: null, $lte: asOf } }] } },
      { $group: { _id: '$boardNummer', n: { $sum: 1 } } },
    ])
    .toArray();
  const extended = new Set(extensions.map((e) => e._id));
  const boards = new Map<string, boolean>();
  for (const { _id } of inForce) {
    const swvStart = (_id.starts ?? []).find((s) => s.service === 'OSO_SWV');
    const swv = (_id.services.includes('OSO_SWV') && (!swvStart || swvStart.from <= asOf)) || extended.has(_id.board);
    boards.set(_id.board, (boards.get(_id.board) ?? false) || swv);
  }
  const withSwv = [...boards.values()].filter(Boolean).length;

  const waiting: Filter<AgreementDocument> = { $and: [mine, { type: 'OSO', status: 'SENT_FOR_SIGNATURE' }] };
  const [requested, waitingForSignature, byAge, oldest] = await Promise.all([
    countOf(repo.agreements, { $and: [mine, { type: 'OSO', status: 'REQUESTED' }] }),
    countOf(repo.agreements, waiting),
    Promise.all(AGE_BUCKETS.map(async (bucket) => ({ age: bucket.age, count: await countOf(repo.agreements, { $and: [waiting, { 'signing.sentAt': ageRange(now, bucket) }] }) }))),
    repo.agreements
      .aggregate<{ signing: { sentAt: Date } | null }>([{ $match: waiting }, { $sort: { 'signing.sentAt': 1 } }, { $limit: 1 }, { $project: { _id: 0, signing: 1 } }])
      .toArray(),
  ]);
  return {
    asOf,
    boardsWithOsoAgreement: boards.size,
    boardsWithSwvExtension: withSwv,
    boardsWithoutSwvExtension: boards.size - withSwv,
    requested,
    waitingForSignature,
    waitingByAge: byAge.filter((b) => b.count > 0),
    oldestWaitingSince: oldest[0]?.signing?.sentAt ?? null,
  };
}

/** Review items open at the end of asOf (raised by then, not resolved by then), by reason and age. */
export async function reviewItemCounts(repo: AgreementsRepository, board: string | null, asOf: string, now: Date): Promise<ReviewItemCountView[]> {
  const reference = referenceMoment(asOf, now);
  const mine: Filter<ReviewItemDocument> = board ? { boardNummer: board } : {};
  const open: Filter<ReviewItemDocument> = { $or: [{ resolvedAt: null }, { resolvedAt: { $gt: reference } }] };
  const perBucket = await Promise.all(
    AGE_BUCKETS.map((bucket) =>
      repo.reviewItems
        .aggregate<{ _id: ReviewReason; n: number }>([
          { $match: { $and: [mine, open, { createdAt: ageRange(reference, bucket) }] } },
          { $group: { _id: '$reason', n: { $sum: 1 } } },
          { $sort: { _id: 1 } },
        ])
        .toArray(),
    ),
  );
  return AGE_BUCKETS.flatMap((bucket, i) => (perBucket[i] ?? []).map((row) => ({ reason: row._id, age: bucket.age, count: row.n })));
}
