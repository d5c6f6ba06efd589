#!/usr/bin/env node
// The `osr` command (npx osr --help): runs scripts/osr.ts, the TypeScript sources as they are.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../scripts/osr.ts');
await main(process.argv.slice(2)).catch((err) => {
  console.error(`osr: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
