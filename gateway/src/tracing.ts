/**
 * Optional OpenTelemetry tracing, off by default. With an OTLP/HTTP traces endpoint set,
 * the gateway's own spans (@apollo/gateway: gateway.request, gateway.plan, gateway.fetch per
 * subgraph, …) are exported in batches. Operation documents are not put on spans (they may
 * hold personal data in literals).
 */
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
// A CommonJS package whose exports Node's ESM loader cannot list: named imports fail when
// the compiled output runs under plain node, so the exports object is read instead.
import otelResources from '@opentelemetry/resources';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const { resourceFromAttributes } = otelResources;

export interface Tracing {
  shutdown(): Promise<void>;
}

/** Registers a global tracer provider exporting through the given processors. */
export function startTracing(serviceName: string, processors: SpanProcessor[]): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: processors,
  });
  provider.register();
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
    },
  };
}

/** Tracing to an OTLP/HTTP collector (e.g. http://otel-collector:4318/v1/traces). */
export function startOtlpTracing(serviceName: string, endpoint: string): Tracing {
  return startTracing(serviceName, [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))]);
}

/** Tracing into memory (tests, local debugging): the spans are in `exporter`. */
export function startInMemoryTracing(serviceName: string): Tracing & { exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  return { ...startTracing(serviceName, [new SimpleSpanProcessor(exporter)]), exporter };
}
