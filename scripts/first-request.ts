/**
 * The first request a newcomer copies: a board-staff token, then the headline query (a board,
 * its schools, their aanleverpunten and both OSO mandates). `osr start` (`npm start`) prints it for the
 * largest board in the store when it is ready; README.md shows it for the demo's board 41234
 * (test/readme.test.ts checks the two agree).
 */
import { join, resolve } from 'node:path';
import { repoRoot } from './ferretdb.js';

/**
 * The lines to paste in the repository folder. The token command carries OSR_DATA_DIR when it
 * is not the default: a token signed with another data folder's key is refused as invalid.
 */
export function firstRequestHint(url: string, board: string, dataDir: string = join(repoRoot, '.data')): string[] {
  const quote = (v: string) => (/^[\w./:@%+=,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const dirEnv = resolve(dataDir) === join(repoRoot, '.data') ? '' : `OSR_DATA_DIR=${quote(resolve(dataDir))} `;
  return [
    `TOKEN=$(${dirEnv}npx osr token --role BOARD --board ${board} --rights OSR_TOEGANG)`,
    `curl -s ${url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `  --data "$(node -e 'console.log(JSON.stringify({query: require("fs").readFileSync("test/queries/board-overview.graphql","utf8"), variables: {nummer: "${board}"}}))')"`,
  ];
}
