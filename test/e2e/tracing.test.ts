import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInMemoryTracing } from '../../gateway/src/tracing.js';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

describe('OpenTelemetry tracing (when turned on)', () => {
  let tracing: ReturnType<typeof startInMemoryTracing>;
  let system: RunningSystem;
  beforeAll(async () => {
    tracing = startInMemoryTracing('osr-gateway-test');
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    system = await startSystem(prefix);
  });
  afterAll(async () => {
    await system?.stop();
    await tracing?.shutdown();
  });

  it('records the request, its plan and one fetch span per subgraph call, without the operation document', async () => {
    const res = await graphql(system.gatewayUrl, 'query Traced { board(bevoegdGezagNummer: "41234") { name schools { brin mandates { id } } } }', undefined, await bearer({ role: 'SUPPORT' }));
    expect(res.errors).toBeUndefined();
    const spans = tracing.exporter.getFinishedSpans();
    const names = spans.map((s) => s.name);
    expect(names).toContain('gateway.request');
    expect(names).toContain('gateway.plan');
    expect(names.filter((n) => n === 'gateway.fetch').length).toBeGreaterThanOrEqual(2);
    expect(spans.every((s) => s.resource.attributes['service.name'] === 'osr-gateway-test')).toBe(true);
    expect(spans.some((s) => Object.keys(s.attributes).includes('graphql.document'))).toBe(false);
  });
});
