import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse, printSchema } from 'graphql';
import { parse as parseYaml } from 'yaml';

export const schemaDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'schema');
export const supergraphConfigPath = resolve(schemaDir, 'supergraph.yaml');
export const supergraphPath = resolve(schemaDir, 'supergraph.graphql');
/** The public API schema: what clients see (no federation directives), the contract of docs/clients.md. */
export const apiSchemaPath = resolve(schemaDir, 'api.graphql');
/** The API schema of the last release (`npm run release:schema`), the base of the breaking-change check. */
export const releasedApiSchemaPath = resolve(schemaDir, 'released', 'api.graphql');
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

const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** Composes the subgraph SDL files into a supergraph SDL, or throws with every error. */
export function composeSupergraph(sources = readSubgraphSources()): string {
  return compose(sources).supergraph;
}

/**
 * Composes the subgraph SDL files, or throws with every error: the supergraph SDL (what the
 * gateway serves) and the API schema derived from it (what clients see: federation's join__
 * and link directives and inaccessible elements removed, descriptions kept).
 */
export function compose(sources = readSubgraphSources()): { supergraph: string; api: string } {
  const result = composeServices(
    sources.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  const api = printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
  return { supergraph: withNewline(result.supergraphSdl), api: withNewline(api) };
}
