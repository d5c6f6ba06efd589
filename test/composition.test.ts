import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, readSubgraphSources, supergraphPath } from '../scripts/compose-lib.js';

describe('the supergraph', () => {
  it('committed schema/supergraph.graphql equals a fresh composition of the subgraph SDL files', () => {
    expect(readFileSync(supergraphPath, 'utf8')).toBe(composeSupergraph());
  });

  it('is composed from the four subgraphs', () => {
    expect(readSubgraphSources().map((s) => s.name)).toEqual(['organisations', 'mandates', 'agreements', 'support']);
  });

  it('defines ServiceCode identically in every subgraph that uses it', () => {
    const enums = readSubgraphSources()
      .map((s) => /enum ServiceCode \{[^}]*\}/.exec(s.sdl)?.[0])
      .filter((e): e is string => e !== undefined);
    expect(enums.length).toBe(3);
    expect(new Set(enums).size).toBe(1);
  });
});
