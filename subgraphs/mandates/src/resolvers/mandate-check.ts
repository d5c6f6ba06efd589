/**
 * The yearly mandate check's fields (mandate-check.ts holds the rules; docs/mandate-check.md).
 * Every field checks the caller's right to the board (or the figures) before anything is read.
 */
import { decodeCursor, encodeCursor, pageSize, userError } from '@osr/common';
import { boardAccess, inOwnPeriod } from '../access.js';
import { checkScope } from '../mandate-check.js';
import { schoolYearOrCurrent } from '../school-year.js';
import type {
  BoardResolvers,
  MandateCheckBoardResolvers,
  MandateCheckDayResolvers,
  MandateCheckGroupResolvers,
  MandateCheckProgressResolvers,
  MandateCheckResolvers,
  MandateResolvers,
  MandateYearCheckResolvers,
  MutationResolvers,
  QueryResolvers,
} from '../generated/resolvers.js';
import { accessTo } from './mandate.js';

const MAX_PAGE = 100;

/** Where a page starts: after the position in `after` (cursors are positions in the ordered list). */
function startOf(after: string | null | undefined): number {
  return after ? Number(decodeCursor(after, { n: 'number' })!.n) + 1 : 0;
}

/** A connection of the items from position `from`, with `total` items in the whole list. */
function connectionOf<T>(items: readonly T[], from: number, total: number) {
  const edges = items.map((node, i) => ({ cursor: encodeCursor({ n: from + i }), node }));
  return { edges, pageInfo: { hasNextPage: from + items.length < total, endCursor: edges.at(-1)?.cursor ?? null } };
}

export const MandateCheckBoardField: Pick<BoardResolvers, 'mandateCheck'> = {
  mandateCheck: async (board, { schoolYear }, { identity, mandateCheck, today }) => {
    boardAccess(identity, board.bevoegdGezagNummer);
    const year = schoolYearOrCurrent(schoolYear, today);
    const brins = (board.schools ?? []).map((s) => s.brin);
    return mandateCheck.boardView(board.bevoegdGezagNummer, brins, year, today);
  },
};

export const MandateCheck: MandateCheckResolvers = {
  schoolYear: (v) => v.year.name,
  startDate: (v) => v.year.start,
  endDate: (v) => v.year.end,
  open: (v) => v.due - v.confirmed,
  openMandates: async (v, { first, after }) => {
    const size = pageSize(first, MAX_PAGE);
    const from = startOf(after);
    const items = await v.openPage(from, size);
    return connectionOf(items.map((m) => ({ ...m, asOf: v.asOf })), from, v.due - v.confirmed);
  },
  finishedAt: async (v) => (await v.lastCheck())?.at ?? null,
  finishedBy: async (v) => (await v.lastCheck())?.by ?? null,
};

export const MandateYearCheckField: Pick<MandateResolvers, 'yearCheck'> = {
  yearCheck: (mandate, { schoolYear }, { mandateCheck, schoolBoards, today }) =>
    mandateCheck.mandateYearCheck(mandate, schoolYearOrCurrent(schoolYear, today), (brin) => schoolBoards.load(brin)),
};

export const MandateYearCheck: MandateYearCheckResolvers = {
  confirmed: (v) => v.check !== null,
  kind: (v) => v.check?.kind ?? null,
  confirmedAt: (v) => v.check?.at ?? null,
  // a person's name: the same rule as the history and lastReviewedBy
  confirmedBy: async (v, _args, context) => {
    const access = await accessTo(v.mandate, context);
    if (access !== 'all' && access !== 'given') throw userError('FORBIDDEN', `You may not see who confirmed mandate ${v.mandate.id}`);
    if (!v.check) return null;
    if (access === 'given') {
      // a board that gave the mandate and no longer holds the school: only a check made while it held it
      const school = v.mandate.brin === null ? null : await context.schoolBoards.load(v.mandate.brin);
      if (!inOwnPeriod(context.identity, school, v.check.at)) return null;
    }
    return v.check.by;
  },
};

export const MandateCheckMutation: Pick<MutationResolvers, 'confirmMandates'> = {
  confirmMandates: async (_p, { board, schoolYear, ids }, { mandateCheck, identity, today }) => {
    const result = await mandateCheck.confirm(board, schoolYear, ids, identity);
    return { ...result, mandates: result.mandates.map((m) => ({ ...m, asOf: today })) };
  },
};

export const MandateCheckQuery: Pick<QueryResolvers, 'mandateCheckProgress' | 'mandateCheckSeries'> = {
  mandateCheckProgress: async (_p, { schoolYear, groupBy }, { identity, mandateCheck, today }) => {
    const scope = checkScope(identity);
    return mandateCheck.progress(scope, schoolYearOrCurrent(schoolYear, today), groupBy ?? null);
  },
  mandateCheckSeries: async (_p, { schoolYear }, { identity, mandateCheck, today }) => {
    const scope = checkScope(identity);
    return mandateCheck.series(scope, schoolYearOrCurrent(schoolYear, today));
  },
};

export const MandateCheckProgress: MandateCheckProgressResolvers = {
  schoolYear: (v) => v.year.name,
  startDate: (v) => v.year.start,
  endDate: (v) => v.year.end,
  boardsOpen: (v) => v.boardsDue - v.boardsFinished,
  mandatesOpen: (v) => v.mandatesDue - v.mandatesConfirmed,
  boards: (v, { first, after }) => {
    const from = startOf(after);
    return connectionOf(v.boards.slice(from, from + pageSize(first, MAX_PAGE)), from, v.boards.length);
  },
};

export const MandateCheckGroup: MandateCheckGroupResolvers = {
  supplier: (g, _args, { loaders }) => (g.supplier ? loaders.supplier.load(g.supplier) : null),
  samenwerkingsverband: (g) => (g.swv ? { code: g.swv } : null),
  boardsOpen: (g) => g.boardsDue - g.boardsFinished,
  mandatesOpen: (g) => g.mandatesDue - g.mandatesConfirmed,
};

export const MandateCheckBoard: MandateCheckBoardResolvers = {
  board: (b) => ({ bevoegdGezagNummer: b.board }),
  mandatesOpen: (b) => b.mandatesDue - b.mandatesConfirmed,
  finished: (b) => b.finishedOn !== null,
};

export const MandateCheckDay: MandateCheckDayResolvers = {
  mandatesOpen: (d) => d.mandatesDue - d.mandatesConfirmed,
};
