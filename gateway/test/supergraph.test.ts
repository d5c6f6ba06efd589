import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gatewayEnvSchema, supergraphSettings } from '../src/config.js';
import { checkSupergraph } from '../src/supergraph.js';

const ours = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
const env = (vars: Record<string, string>) => gatewayEnvSchema.parse({ OSR_IDENTITY_SECRET: 'x'.repeat(32), ...vars });

describe('where the supergraph comes from', () => {
  it('--supergraph wins over SUPERGRAPH_FILE; without either, the built-in one (no file)', () => {
    expect(supergraphSettings(env({ SUPERGRAPH_FILE: '/etc/osr/supergraph/supergraph.graphql' }), '/tmp/other.graphql').file).toBe('/tmp/other.graphql');
    expect(supergraphSettings(env({ SUPERGRAPH_FILE: '/etc/osr/supergraph/supergraph.graphql' }), undefined).file).toBe('/etc/osr/supergraph/supergraph.graphql');
    expect(supergraphSettings(env({}), undefined).file).toBeUndefined();
  });

  it('follows the file by default in development, not in production unless SUPERGRAPH_WATCH=true', () => {
    expect(supergraphSettings(env({}), undefined).watch).toBe(true);
    expect(supergraphSettings(env({ NODE_ENV: 'development' }), undefined).watch).toBe(true);
    expect(supergraphSettings(env({ NODE_ENV: 'production' }), undefined).watch).toBe(false);
    expect(supergraphSettings(env({ NODE_ENV: 'production', SUPERGRAPH_WATCH: 'true' }), undefined).watch).toBe(true);
    expect(supergraphSettings(env({ SUPERGRAPH_WATCH: 'false' }), undefined).watch).toBe(false);
    expect(supergraphSettings(env({}), undefined).intervalMs).toBe(1_000);
    expect(gatewayEnvSchema.safeParse({ OSR_IDENTITY_SECRET: 'x'.repeat(32), SUPERGRAPH_WATCH: 'yes' }).success).toBe(false);
  });

  it('checks a supergraph as the gateway would serve it: ours passes, an empty, unparsable or plain schema does not', async () => {
    await expect(checkSupergraph(ours)).resolves.toBeUndefined();
    await expect(checkSupergraph('  \n')).rejects.toThrow('the file is empty');
    await expect(checkSupergraph('type Query {')).rejects.toThrow(/Syntax Error/);
    await expect(checkSupergraph('type Query { a: Int }')).rejects.toThrow(/must be a core schema/);
  });
});
