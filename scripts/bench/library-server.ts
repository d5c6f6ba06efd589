/**
 * The gateway benchmark's subgraphs: the four in-memory library subgraphs of the federation
 * tests (test/federation/library.ts), in a process of their own. Writes the composed
 * supergraph to BENCH_SUPERGRAPH_FILE, then sends `{ ready: urls }` to its parent; answers
 * `{ count: true }` with the number of requests each subgraph received so far. Stops when
 * the parent goes away.
 */
import { writeFileSync } from 'node:fs';
import type http from 'node:http';
import { startLibrary, type LibrarySubgraph } from '../../test/federation/library.js';

const file = process.env['BENCH_SUPERGRAPH_FILE'];
if (!file || !process.send) {
  console.error('library-server: run by npm run bench:gateway (needs BENCH_SUPERGRAPH_FILE and an IPC channel)');
  process.exit(2);
}
const library = await startLibrary();
const counts = Object.fromEntries(Object.keys(library.subgraphs).map((n) => [n, 0])) as Record<LibrarySubgraph, number>;
for (const [name, subgraph] of Object.entries(library.subgraphs) as [LibrarySubgraph, { httpServer: http.Server }][]) {
  subgraph.httpServer.on('request', () => counts[name]++);
}
writeFileSync(file, library.supergraphSdl);
process.on('message', (message: { count?: boolean }) => {
  if (message.count) process.send!({ counts });
});
process.on('disconnect', () => {
  void library.stop().finally(() => process.exit(0));
});
process.send({ ready: library.urls });
