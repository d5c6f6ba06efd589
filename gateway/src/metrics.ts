/** Prometheus metrics of one gateway (its own registry, so tests can run several). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'osr_gateway_requests_total',
    help: 'GraphQL requests by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'osr_gateway_errors_total',
    help: 'GraphQL errors returned, by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'osr_gateway_request_duration_seconds',
    help: 'GraphQL request duration by operation name',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly subgraphFetch = new Histogram({
    name: 'osr_gateway_subgraph_fetch_duration_seconds',
    help: 'Duration of fetches from the gateway to each subgraph, by outcome',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'osr_gateway_refused_total',
    help: 'Requests refused before execution, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly supergraphReloads = new Counter({
    name: 'osr_gateway_supergraph_reloads_total',
    help: 'Supergraph files read again while running, by outcome (loaded, refused)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly operations: ReadonlySet<string>;

  /** Label values → the metric's child for them, looked up once (see subgraphFetchObserver). */
  private readonly requestChildren = new Map<string, { inc(): void }>();
  private readonly durationChildren = new Map<string, { observe(seconds: number): void }>();
  private readonly errorChildren = new Map<string, { inc(): void }>();

  /** One answered GraphQL request: its count by operation and outcome, its duration, its error codes. */
  recordRequest(operation: string, errorCodes: string[], seconds: number): void {
    for (const code of errorCodes) cached(this.errorChildren, code, () => this.errors.labels(code)).inc();
    const outcome = errorCodes.length ? 'error' : 'ok';
    cached(this.requestChildren, `${operation}\n${outcome}`, () => this.requests.labels(operation, outcome)).inc();
    cached(this.durationChildren, operation, () => this.duration.labels(operation)).observe(seconds);
  }

  /**
   * Records subgraph fetches: the histogram's child for each subgraph and outcome is looked
   * up once and kept, instead of a labels object and its hash on every fetch.
   */
  subgraphFetchObserver(): (subgraph: string, seconds: number, outcome: string) => void {
    const children = new Map<string, { observe(seconds: number): void }>();
    return (subgraph, seconds, outcome) => cached(children, `${subgraph}\n${outcome}`, () => this.subgraphFetch.labels(subgraph, outcome)).observe(seconds);
  }

  constructor(options: { processMetrics?: boolean; operations?: Iterable<string> } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.operations = new Set(options.operations);
  }

  /**
   * Operation names are chosen by clients: only the names the gateway knows (the safelist's,
   * and those it is told of) become label values. Any other named operation counts as
   * "other", so that no client can fill the label with names of its own.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    return this.operations.has(name) ? name : 'other';
  }
}

/**
 * The child of a metric for some label values, made on first use. Bounded as the label
 * values are: operation labels by maxOperationLabels, the others by the code.
 */
function cached<T>(children: Map<string, T>, key: string, make: () => T): T {
  let child = children.get(key);
  if (child === undefined) {
    child = make();
    children.set(key, child);
  }
  return child;
}
