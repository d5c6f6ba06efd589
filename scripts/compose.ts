/**
 * npm run compose          writes schema/supergraph.graphql from the subgraph SDL files, its
 *                          copy deploy/k8s/supergraph.graphql (the ConfigMap the gateways mount)
 *                          and schema/api.graphql (the public API schema clients build on)
 * npm run compose:check    fails when any of them differs from a fresh composition
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { apiSchemaPath, compose, deploySupergraphPath, supergraphPath } from './compose-lib.js';

const check = process.argv.includes('--check');
try {
  const fresh = compose();
  const targets: [string, string][] = [
    [supergraphPath, fresh.supergraph],
    [deploySupergraphPath, fresh.supergraph],
    [apiSchemaPath, fresh.api],
  ];
  if (check) {
    const stale = targets.filter(([path, text]) => (existsSync(path) ? readFileSync(path, 'utf8') : '') !== text).map(([path]) => path);
    if (stale.length) {
      console.error(`${stale.map((p) => relative(process.cwd(), p)).join(' and ')} ${stale.length > 1 ? 'are' : 'is'} out of date: run \`npm run compose\` and commit.`);
      process.exit(1);
    }
    console.log(`${targets.map(([p]) => relative(process.cwd(), p)).join(', ')} match a fresh composition.`);
  } else {
    for (const [path, text] of targets) {
      writeFileSync(path, text);
      console.log(`Wrote ${relative(process.cwd(), path)}`);
    }
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
