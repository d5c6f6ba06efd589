/**
 * The mandates subgraph's background work: following the organisations change feed, and
 * bringing the school directory and, with the memory read model, its kept aggregates and the
 * yearly check's rows up to date.
 * Each runs one round at a time; stop() waits for a round in progress.
 */
import { todayInNetherlands, type Logger } from '@osr/common';
import type { FeedFollower } from './feed-follower.js';
import type { CountQuery } from './repositories/aggregates.js';
import type { SchoolDirectory } from './school-directory.js';

/** Aggregates kept in memory (a read model's), brought up to date in the background. */
export interface KeptAggregatesRefresh {
  /** keeps the common counts and every result used lately up to date; how many it brought up to date */
  refresh(common: readonly CountQuery[]): Promise<number>;
}

export interface JobSettings {
  /** Follow the organisations change feed every this many seconds; 0 = only on demand. */
  feedPollSeconds?: number;
  /** Bring the kept aggregates up to date every this many seconds; 0 = only when asked. */
  analyticsRefreshSeconds?: number;
}

export interface RefreshRound {
  at: string;
  ms: number;
  queries: number;
  directory: number;
}

export function startJobs(
  parts: {
    follower: FeedFollower;
    directory: SchoolDirectory;
    logger: Logger;
    /** null: nothing kept (`MANDATES_READ_MODEL=database`) */
    kept: KeptAggregatesRefresh | null;
    /** the counts most questions need on a day (analytics.ts commonCounts) */
    common: (today: string) => CountQuery[];
  },
  settings: JobSettings,
): { lastRefresh(): RefreshRound | null; stop(): Promise<void> } {
  const { follower, directory, logger, kept, common } = parts;
  const timers: NodeJS.Timeout[] = [];
  const every = (seconds: number, run: () => void) => {
    const timer = setInterval(run, seconds * 1000);
    timer.unref();
    timers.push(timer);
  };

  if (settings.feedPollSeconds && settings.feedPollSeconds > 0) {
    every(settings.feedPollSeconds, () => {
      follower.follow().catch((err: unknown) => logger.warn({ err }, 'following the organisation change feed failed; will retry'));
    });
  }

  let lastRefresh: RefreshRound | null = null;
  let refreshing: Promise<void> | null = null;
  const refresh = () => {
    if (refreshing) return; // still busy with the previous round
    const started = Date.now();
    refreshing = (async () => {
      const directoryDone = await directory.refresh();
      const queries = kept ? await kept.refresh(common(todayInNetherlands())) : 0;
      if (queries + directoryDone > 0) {
        lastRefresh = { at: new Date().toISOString(), ms: Date.now() - started, queries, directory: directoryDone };
        logger.info(lastRefresh, 'recomputed cached aggregates');
      }
    })()
      .catch((err: unknown) => logger.warn({ err }, 'recomputing cached aggregates failed; will retry'))
      .finally(() => {
        refreshing = null;
      });
  };
  let firstRefresh: NodeJS.Timeout | null = null;
  if (settings.analyticsRefreshSeconds && settings.analyticsRefreshSeconds > 0) {
    directory.keepWarm();
    // The first round soon after the start (the organisations subgraph may still be starting).
    firstRefresh = setTimeout(refresh, 2_000);
    firstRefresh.unref();
    every(settings.analyticsRefreshSeconds, refresh);
  }

  return {
    lastRefresh: () => lastRefresh,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      if (firstRefresh) clearTimeout(firstRefresh);
      await refreshing;
    },
  };
}
