/**
 * The gateway benchmark's reference: a plain @apollo/gateway in Apollo Server's standalone
 * server, with no settings of ours, over BENCH_SUPERGRAPH_FILE on PORT. Prints its URL on
 * stdout when it listens; stops when its stdin closes.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const file = process.env['BENCH_SUPERGRAPH_FILE'];
if (!file) {
  console.error('plain-gateway: BENCH_SUPERGRAPH_FILE is required');
  process.exit(2);
}
const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(file, 'utf8') }) });
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1' } });
console.log(url);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.stop().finally(() => process.exit(0));
});
