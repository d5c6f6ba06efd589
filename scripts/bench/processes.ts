/**
 * Starting the system for the benchmarks, in one process tree: the four subgraphs and our
 * gateway as child processes (as `npm start` runs them: separate processes, `LOG_LEVEL=warn`,
 * rate limit off) in a ProcessGroup (../processes.ts).
 * Used by `npm run bench` (scripts/bench.ts) and `npm run bench:analytics`.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../ferretdb.js';
import { answers, waitFor, type ProcessGroup } from '../processes.js';

export const SUBGRAPH_NAMES = ['organisations', 'mandates', 'agreements', 'support'] as const;
export type BenchSubgraph = (typeof SUBGRAPH_NAMES)[number];

export interface RunningSubgraphs {
  ports: Record<BenchSubgraph, number>;
  url(name: BenchSubgraph): string;
  processes: ChildProcess[];
  /** each subgraph's database round-trip counter (OSR_COUNT_DB_COMMANDS) */
  counters: string[];
}

/**
 * The four subgraphs on free ports, each knowing the others; resolves once all are ready, and
 * with `settled` once the mandates subgraph's first background round (the kept aggregates) is
 * done too, as in a system that has been running for a minute.
 */
export async function startSubgraphs(group: ProcessGroup, options: { uri: string; prefix: string; identitySecret: string; env?: Record<string, string>; settled?: boolean }): Promise<RunningSubgraphs> {
  const ports = {} as Record<BenchSubgraph, number>;
  for (const name of SUBGRAPH_NAMES) ports[name] = await freePort();
  const url = (name: BenchSubgraph) => `http://127.0.0.1:${ports[name]}/graphql`;
  const peerEnv = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [`${n.toUpperCase()}_URL`, url(n)]));
  const processes = SUBGRAPH_NAMES.map((name) =>
    group.start(name, `subgraphs/${name}/src/index.ts`, {
      ...peerEnv,
      PORT: String(ports[name]),
      MONGODB_URI: options.uri,
      DB_PREFIX: options.prefix,
      OSR_IDENTITY_SECRET: options.identitySecret,
      OSR_COUNT_DB_COMMANDS: '1',
      MANDATES_FEED_POLL_SECONDS: '0',
      ...options.env,
    }),
  );
  for (const name of SUBGRAPH_NAMES) await waitFor(name, () => answers(`http://127.0.0.1:${ports[name]}/ready`));
  if (options.settled) {
    const mandates = `http://127.0.0.1:${ports.mandates}`;
    await waitFor('the mandates subgraph\'s first background round', async () => {
      const res = await fetch(`${mandates}/analytics/cache`);
      const state = (await res.json()) as { warm?: boolean; lastRefresh?: unknown };
      return res.ok && state.warm === true && state.lastRefresh != null;
    }, 600_000);
    // and the webhook events of the data load fanned out (a round ran and found none waiting)
    await waitFor('the mandates subgraph\'s webhook events of the load', async () => {
      const metrics = await (await fetch(`${mandates}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
      return value('osr_webhook_fanout_rounds_total') > 0 && value('osr_webhook_events_waiting') === 0;
    }, 600_000);
  }
  return { ports, url, processes, counters: SUBGRAPH_NAMES.map((n) => `http://127.0.0.1:${ports[n]}/db-commands`) };
}

/** Our gateway over the subgraphs on a free port (not waited for: the caller knows a query to try). */
export async function startGateway(
  group: ProcessGroup,
  subgraphs: RunningSubgraphs,
  options: { identitySecret: string; publicKeyPath: string; env?: Record<string, string> },
): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = group.start('gateway', 'gateway/src/index.ts', {
    PORT: String(port),
    OSR_IDENTITY_SECRET: options.identitySecret,
    JWT_PUBLIC_KEY_FILE: options.publicKeyPath,
    RATE_LIMIT_PER_MINUTE: '0',
    ...Object.fromEntries(SUBGRAPH_NAMES.map((n) => [`SUBGRAPH_${n.toUpperCase()}_URL`, subgraphs.url(n)])),
    ...options.env,
  });
  return { url: `http://127.0.0.1:${port}/graphql`, process: child };
}

/** A POST of a JSON body; the status and the raw text. */
export async function post(url: string, body: string, headers: Record<string, string>, timeoutMs = 60_000): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, text: await res.text() };
}
