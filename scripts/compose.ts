/**
 * npm run compose          writes schema/supergraph.graphql from the subgraph SDL files
 * npm run compose:check    fails when the committed supergraph differs from a fresh composition
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { composeSupergraph, supergraphPath } from './compose-lib.js';

const check = process.argv.includes('--check');
try {
  const fresh = composeSupergraph();
  if (check) {
    const committed = existsSync(supergraphPath) ? readFileSync(supergraphPath, 'utf8') : '';
    if (committed !== fresh) {
      console.error('schema/supergraph.graphql is out of date: run `npm run compose` and commit it.');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql matches a fresh composition.');
  } else {
    writeFileSync(supergraphPath, fresh);
    console.log(`Wrote ${supergraphPath}`);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
