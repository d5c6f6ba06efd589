/**
 * The webhook worker's metrics, served at GET /metrics of the mandates subgraph: per process
 * (add them up over replicas), in a registry of its own so that tests can run several.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

function counter(registry: Registry, name: string, help: string): Counter {
  return new Counter({ name: `osr_webhook_deliveries_${name}_total`, help, registers: [registry] });
}

export class WebhookMetrics {
  readonly registry = new Registry();
  readonly queued = counter(this.registry, 'queued', 'Deliveries made for new events (one per event and endpoint)');
  readonly delivered = counter(this.registry, 'delivered', 'Deliveries answered with a 2xx');
  readonly retried = counter(this.registry, 'retried', 'Failed attempts that will be tried again');
  readonly failed = counter(this.registry, 'failed', 'Deliveries given up after the retry window');
  readonly depth = new Gauge({
    name: 'osr_webhook_deliveries_due',
    help: 'Queued deliveries of active endpoints seen in the last round (at most 500 per endpoint)',
    registers: [this.registry],
  });
  readonly rounds = new Counter({ name: 'osr_webhook_fanout_rounds_total', help: 'Fan-out rounds run (each reads one batch of waiting events)', registers: [this.registry] });
  readonly waiting = new Gauge({
    name: 'osr_webhook_events_waiting',
    help: 'Events the last fan-out round found waiting to be fanned out (at most one batch, 200)',
    registers: [this.registry],
  });
  readonly lag = new Histogram({
    name: 'osr_webhook_delivery_lag_seconds',
    help: 'From the mandate change to the 2xx answer',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 21600, 86400],
    registers: [this.registry],
  });

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
