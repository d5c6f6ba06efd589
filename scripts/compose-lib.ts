import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { parse as parseYaml } from 'yaml';

export const schemaDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
export const supergraphConfigPath = resolve(schemaDir, 'supergraph.yaml');
export const supergraphPath = resolve(schemaDir, 'supergraph.graphql');
/** The copy Kubernetes mounts (kustomize reads files under deploy/k8s only): the ConfigMap osr-supergraph. */
export const deploySupergraphPath = resolve(schemaDir, '..', 'deploy', 'k8s', 'supergraph.graphql');

interface SupergraphConfig {
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

export interface SubgraphSource {
  name: string;
  url: string;
  file: string;
  sdl: string;
}

export function readSubgraphSources(configPath = supergraphConfigPath): SubgraphSource[] {
  const config = parseYaml(readFileSync(configPath, 'utf8')) as SupergraphConfig;
  return Object.entries(config.subgraphs).map(([name, entry]) => {
    const file = resolve(dirname(configPath), entry.schema.file);
    return { name, url: entry.routing_url, file, sdl: readFileSync(file, 'utf8') };
  });
}

/** Composes the subgraph SDL files into a supergraph SDL, or throws with every error. */
export function composeSupergraph(sources = readSubgraphSources()): string {
  const result = composeServices(
    sources.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
}
