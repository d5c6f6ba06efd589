/**
 * Follows the organisations subgraph's change feed. When a school moved to another board or
 * closed, its mandates that still run on that date are flagged for review (with the reason)
 * and shown to both boards; they are not ended. Resumable (the cursor is stored after each
 * page) and idempotent (a reason is added once per change id).
 *
 * A move registered for a later day hands the school over on that day, not when RIO reports
 * it: until then the board it leaves holds the school and its mandates need no review. Such a
 * move is kept with the cursor (`deferred`, stored in the same write) and handled by the
 * first run on or after its day, so the changes behind it in the feed are not held up. A
 * closure is flagged when it is read: the board holding the school stays the same.
 */
import { todayInNetherlands, type Logger } from '@osr/common';
import type { DeferredChange, MandateReviewKind } from './documents.js';
import type { Actor } from './repositories/mandate-store.js';
import type { MandatesRepository } from './repositories/mandates.js';
import type { ChangeFeedApi, OrganisationChangeNode } from './peers.js';

const FEED = 'organisations';
const PAGE_SIZE = 200;
const ACTOR: Actor = { sub: 'service:mandates', name: 'RIO change feed', role: 'SERVICE' };

export interface FollowReport {
  changesRead: number;
  mandatesFlagged: number;
  cursor: string | null;
}

export class FeedFollower {
  private running: Promise<FollowReport> | null = null;

  constructor(
    private readonly feed: ChangeFeedApi,
    private readonly mandates: MandatesRepository,
    private readonly logger?: Logger,
    /** Today in the Netherlands (YYYY-MM-DD): moves dated later wait for their day. */
    private readonly today: () => string = () => todayInNetherlands(),
  ) {}

  /** One run at a time per process; a second caller shares the running one. */
  follow(): Promise<FollowReport> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<FollowReport> {
    const saved = await this.mandates.feedCursor(FEED);
    let cursor = saved.cursor;
    const today = this.today();
    const report: FollowReport = { changesRead: 0, mandatesFlagged: 0, cursor };
    const save = (deferred: DeferredChange[]) => this.mandates.saveFeedCursor(FEED, cursor, deferred);

    // Moves whose day has come (handling is idempotent: a crash before the save repeats it harmlessly).
    let deferred = saved.deferred;
    const due = deferred.filter((c) => c.effectiveDate <= today);
    if (due.length) {
      for (const change of due) report.mandatesFlagged += await this.handle(change);
      deferred = deferred.filter((c) => c.effectiveDate > today);
      await save(deferred);
    }
    for (;;) {
      const page = await this.feed.page(cursor, PAGE_SIZE);
      for (const change of page.nodes) {
        report.changesRead++;
        if (change.kind === 'SCHOOL_MOVED' && change.effectiveDate > today) {
          if (!deferred.some((c) => c.id === change.id)) deferred = [...deferred, deferredOf(change)];
          continue;
        }
        report.mandatesFlagged += await this.handle(change);
      }
      if (page.endCursor) {
        cursor = page.endCursor;
        await save(deferred);
      }
      report.cursor = cursor;
      if (!page.hasNextPage || page.nodes.length === 0) return report;
    }
  }

  private async handle(change: DeferredChange): Promise<number> {
    let kind: MandateReviewKind;
    let boards: string[];
    if (change.kind === 'SCHOOL_MOVED' && change.brin) {
      kind = 'SCHOOL_MOVED';
      boards = [change.fromBoard, change.toBoard].filter((b): b is string => !!b);
    } else if (change.kind === 'SCHOOL_CLOSED' && change.brin) {
      kind = 'SCHOOL_CLOSED';
      boards = [change.bevoegdGezagNummer].filter((b): b is string => !!b);
    } else {
      return 0;
    }
    // Mandates of the school that still run on the effective date.
    const affected = await this.mandates.runningAtSchool(change.brin, change.effectiveDate);
    let flagged = 0;
    for (const slotKey of new Set(affected.map((m) => m.slotKey))) {
      const ids = new Set(affected.filter((m) => m.slotKey === slotKey).map((m) => m.id));
      const at = new Date();
      const changed = await this.mandates.store.change(
        slotKey,
        (state) =>
          state.mandates
            .filter((m) => ids.has(m.id) && !m.reviewReasons.some((r) => r.changeId === change.id))
            .map((m) => ({
              mandateId: m.id,
              action: 'FLAGGED_FOR_REVIEW' as const,
              before: m,
              after: {
                ...m,
                reviewReasons: [
                  ...m.reviewReasons,
                  { changeId: change.id, kind, description: change.description, boards, effectiveDate: change.effectiveDate, raisedAt: at },
                ],
                reviewBoards: [...new Set([...m.reviewBoards, ...boards.filter((b) => b !== m.boardNummer)])],
                // open again in the yearly check for the board that holds the school now
                yearChecks: [],
                version: m.version + 1,
                updatedAt: at,
              },
            })),
        ACTOR,
        { retries: 10, now: () => at },
      );
      flagged += changed.length;
    }
    if (flagged) this.logger?.info({ change: change.id, kind, brin: change.brin, flagged }, 'mandates flagged for review');
    return flagged;
  }
}

function deferredOf(change: OrganisationChangeNode): DeferredChange {
  const { id, kind, bevoegdGezagNummer, brin, fromBoard, toBoard, effectiveDate, description } = change;
  return { id, kind, bevoegdGezagNummer, brin, fromBoard, toBoard, effectiveDate, description };
}
