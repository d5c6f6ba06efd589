/**
 * npm run compose          writes schema/supergraph.graphql from the subgraph SDL files, and
 *                          its copy deploy/k8s/supergraph.graphql (the ConfigMap the gateways mount)
 * npm run compose:check    fails when either differs from a fresh composition
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { composeSupergraph, deploySupergraphPath, supergraphPath } from './compose-lib.js';

const check = process.argv.includes('--check');
const targets = [supergraphPath, deploySupergraphPath];
try {
  const fresh = composeSupergraph();
  if (check) {
    const stale = targets.filter((path) => (existsSync(path) ? readFileSync(path, 'utf8') : '') !== fresh);
    if (stale.length) {
      console.error(`${stale.map((p) => relative(process.cwd(), p)).join(' and ')} ${stale.length > 1 ? 'are' : 'is'} out of date: run \`npm run compose\` and commit.`);
      process.exit(1);
    }
    console.log('schema/supergraph.graphql and deploy/k8s/supergraph.graphql match a fresh composition.');
  } else {
    for (const path of targets) {
      writeFileSync(path, fresh);
      console.log(`Wrote ${path}`);
    }
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
