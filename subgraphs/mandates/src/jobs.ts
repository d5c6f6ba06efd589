/**
 * The mandates subgraph's background work: following the organisations change feed, and
 * bringing the kept aggregates, the yearly check's rows and the school directory up to date.
 * Each runs one round at a time; stop() waits for a round in progress.
 */
import { todayInNetherlands, type Logger } from '@osr/common';
import type { MandateAnalytics } from './analytics.js';
import type { FeedFollower } from './feed-follower.js';
import type { MandateCheck } from './mandate-check.js';
import type { SchoolDirectory } from './school-directory.js';

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
  parts: { follower: FeedFollower; analytics: MandateAnalytics; mandateCheck: MandateCheck; directory: SchoolDirectory; logger: Logger },
  settings: JobSettings,
): { lastRefresh(): RefreshRound | null; stop(): Promise<void> } {
  const { follower, analytics, mandateCheck, directory, logger } = parts;
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
      analytics.keepWarm(todayInNetherlands());
      mandateCheck.keepWarm();
      const directoryDone = await directory.refresh();
      // the check rows first: usually taken from their stored copy
      const queries = (await mandateCheck.cache.refresh()) + (await analytics.cache.refresh());
      await mandateCheck.keepRows();
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
