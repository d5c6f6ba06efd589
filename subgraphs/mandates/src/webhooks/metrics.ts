/**
 * The webhook worker's counters, served (Prometheus text format) at GET /metrics of the
 * mandates subgraph: per process; add them up over replicas.
 */
export class Counter {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class Gauge {
  value = 0;
  set(v: number): void {
    this.value = v;
  }
}

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]!++;
    });
  }
}

export class WebhookMetrics {
  readonly queued = new Counter();
  readonly delivered = new Counter();
  readonly retried = new Counter();
  readonly failed = new Counter();
  readonly depth = new Gauge();
  readonly lag = new Histogram([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 21600, 86400]);

  render(): string {
    const lines: string[] = [];
    const counter = (name: string, help: string, c: Counter) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${c.value}`);
    counter('osr_webhook_deliveries_queued_total', 'Deliveries made for new events (one per event and endpoint)', this.queued);
    counter('osr_webhook_deliveries_delivered_total', 'Deliveries answered with a 2xx', this.delivered);
    counter('osr_webhook_deliveries_retried_total', 'Failed attempts that will be tried again', this.retried);
    counter('osr_webhook_deliveries_failed_total', 'Deliveries given up after the retry window', this.failed);
    lines.push('# HELP osr_webhook_deliveries_due Queued deliveries of active endpoints seen in the last round (at most 500 per endpoint)', '# TYPE osr_webhook_deliveries_due gauge', `osr_webhook_deliveries_due ${this.depth.value}`);
    const name = 'osr_webhook_delivery_lag_seconds';
    lines.push(`# HELP ${name} From the mandate change to the 2xx answer`, `# TYPE ${name} histogram`);
    this.lag.buckets.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.lag.counts[i]}`));
    lines.push(`${name}_bucket{le="+Inf"} ${this.lag.count}`, `${name}_sum ${this.lag.sum}`, `${name}_count ${this.lag.count}`);
    return `${lines.join('\n')}\n`;
  }
}
