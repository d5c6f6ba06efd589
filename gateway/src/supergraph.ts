/**
 * Where the gateway's supergraph comes from, and how it is replaced while the gateway runs.
 *
 * The supergraph is composed ahead of time (never at run time): by default the one the
 * gateway was built with (schema/supergraph.graphql), or any file named by SUPERGRAPH_FILE /
 * --supergraph. With watching on, the file is read again every interval; a new content that
 * stays the same for two reads in a row is checked on a throwaway ApolloGateway (parse,
 * supergraph validation, API schema, query planner) and only then handed to the serving
 * gateway through @apollo/gateway's `update` callback. Requests already executing keep the
 * query plan and data sources they started with. A content that fails the check is refused
 * (logged with the reason, counted) and the previous supergraph stays in use.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApolloGateway, type SupergraphManager } from '@apollo/gateway';

type SupergraphSdlHookOptions = Parameters<SupergraphManager['initialize']>[0];
import type { Logger } from '@osr/common';
import type { GatewayMetrics } from './metrics.js';
import './no-telemetry.js';

export type ReloadOutcome = 'loaded' | 'unchanged' | 'refused' | 'settling';

export interface SupergraphInUse {
  /** The file it was read from, or "built-in" for an SDL given to the factory. */
  source: string;
  sha256: string;
  loadedAt: string;
}

export interface SupergraphRefusal {
  sha256: string | null;
  at: string;
  reason: string;
}

export interface SupergraphSourceOptions {
  logger: Logger;
  metrics: GatewayMetrics;
  /** The file to serve (and, with watching on, to follow). */
  file?: string;
  /** A fixed SDL instead of a file (tests, embedding); never watched. */
  sdl?: string;
  /** Read the file again every intervalMs and load a changed supergraph. */
  watch?: boolean;
  intervalMs?: number;
  /** Called after a supergraph was loaded (the first one included), with its SDL. */
  onLoaded?(sdl: string): void;
}

export const sha256Of = (text: string): string => createHash('sha256').update(text).digest('hex');

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Throws (with the reason) unless the SDL is a supergraph @apollo/gateway can serve: it
 * parses, validates as a supergraph, yields an API schema and a query planner.
 */
export async function checkSupergraph(sdl: string): Promise<void> {
  if (!sdl.trim()) throw new Error('the file is empty');
  const candidate = new ApolloGateway({ supergraphSdl: sdl, validateSupergraph: true, logger: silent });
  try {
    await candidate.load();
  } finally {
    await candidate.stop().catch(() => undefined);
  }
}

/** Reads a supergraph file; an error names the file. */
export async function readSupergraphFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the supergraph file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The gateway's SupergraphManager: the first supergraph at start, then reloads. */
export class SupergraphSource implements SupergraphManager {
  private inUse: SupergraphInUse;
  private sdl: string;
  private refused: SupergraphRefusal | null = null;
  private update: SupergraphSdlHookOptions['update'] | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Reloads run one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  /** A changed content seen once, waiting for a second read to confirm it is complete. */
  private pending: string | null = null;

  private constructor(
    private readonly options: SupergraphSourceOptions,
    sdl: string,
  ) {
    this.sdl = sdl;
    this.inUse = { source: options.file ?? 'built-in', sha256: sha256Of(sdl), loadedAt: new Date().toISOString() };
  }

  /** Reads the first supergraph (from the file, or the SDL given). Does not check it yet. */
  static async open(options: SupergraphSourceOptions): Promise<SupergraphSource> {
    if (options.sdl !== undefined) return new SupergraphSource({ ...options, watch: false }, options.sdl);
    if (!options.file) throw new Error('SupergraphSource needs a file or an SDL');
    return new SupergraphSource(options, await readSupergraphFile(options.file));
  }

  /** The SDL in use. */
  get current(): string {
    return this.sdl;
  }

  /** What /ready reports: the supergraph in use, whether the file is followed, the last refusal. */
  describe(): SupergraphInUse & { watching: boolean; lastRefused?: SupergraphRefusal } {
    return { ...this.inUse, watching: this.timer !== null, ...(this.refused ? { lastRefused: this.refused } : {}) };
  }

  /**
   * What GET /ready, which answers anyone, tells of the supergraph: its hash, load time and
   * whether the file is followed, and when the last file was refused; not where the file
   * lies nor why it was refused (both in the log line and the metrics).
   */
  readiness(): { sha256: string; loadedAt: string; watching: boolean; lastRefused?: { sha256: string | null; at: string } } {
    const { sha256, loadedAt } = this.inUse;
    return { sha256, loadedAt, watching: this.timer !== null, ...(this.refused ? { lastRefused: { sha256: this.refused.sha256, at: this.refused.at } } : {}) };
  }

  /** Called by ApolloGateway.load(): hands over the first supergraph and starts following the file. */
  async initialize({ update }: SupergraphSdlHookOptions) {
    this.update = update;
    this.inUse = { ...this.inUse, loadedAt: new Date().toISOString() };
    this.options.metrics.supergraphReloads.inc({ outcome: 'loaded' }, 0);
    this.options.metrics.supergraphReloads.inc({ outcome: 'refused' }, 0);
    this.announce();
    if (this.options.watch && this.options.file) {
      const interval = this.options.intervalMs ?? 1_000;
      this.timer = setInterval(() => void this.reload({ settle: true }), interval);
      this.timer.unref();
    }
    return {
      supergraphSdl: this.sdl,
      cleanup: async () => {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        this.update = null;
        await this.queue;
      },
    };
  }

  /**
   * Reads the file again and loads it when it changed and passes the check. With `settle`
   * (the watcher), a changed content is loaded only once two reads in a row agree, so a
   * file caught half-written is not refused.
   */
  reload(options: { settle?: boolean } = {}): Promise<ReloadOutcome> {
    const run = this.queue.then(() => this.reloadNow(options.settle ?? false));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(settle: boolean): Promise<ReloadOutcome> {
    const { file, logger, metrics } = this.options;
    if (!file || !this.update) return 'unchanged';
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const reason = `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      if (this.refused?.sha256 === null && this.refused.reason === reason) return 'unchanged';
      return this.refuse(null, reason);
    }
    const sha256 = sha256Of(text);
    if (sha256 === this.inUse.sha256) {
      // Back to the supergraph in use (e.g. a refused file replaced by the previous one).
      this.pending = null;
      this.refused = null;
      return 'unchanged';
    }
    if (sha256 === this.refused?.sha256) return 'unchanged'; // already refused and logged
    if (settle && this.pending !== sha256) {
      this.pending = sha256;
      return 'settling';
    }
    this.pending = null;
    try {
      await checkSupergraph(text);
      if (!this.update) return 'unchanged'; // stopped meanwhile
      this.update(text);
    } catch (err) {
      return this.refuse(sha256, (err as Error).message);
    }
    this.sdl = text;
    this.inUse = { source: file, sha256, loadedAt: new Date().toISOString() };
    this.refused = null;
    metrics.supergraphReloads.inc({ outcome: 'loaded' });
    this.announce();
    logger.debug({ file }, 'supergraph reloaded');
    return 'loaded';
  }

  private refuse(sha256: string | null, reason: string): ReloadOutcome {
    this.refused = { sha256, at: new Date().toISOString(), reason };
    this.options.metrics.supergraphReloads.inc({ outcome: 'refused' });
    this.options.logger.error(
      { supergraph: { file: this.options.file, sha256, reason }, inUse: this.inUse },
      'supergraph refused; the previous one stays in use',
    );
    return 'refused';
  }

  private announce(): void {
    this.options.onLoaded?.(this.sdl);
    this.options.logger.info({ supergraph: this.inUse, watching: Boolean(this.options.watch && this.options.file) }, 'supergraph in use');
  }
}
