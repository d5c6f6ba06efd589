import { ConfigError, runSubgraph } from '@osr/common';
import { agreementsConfig, type AgreementsConfig } from './config.js';
import { createAgreementsServer } from './server.js';

// This subgraph's own settings, parsed once at start: a bad value stops it with one message.
let config: AgreementsConfig;
try {
  config = agreementsConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`[agreements] ${err.message}`);
    process.exit(1);
  }
  throw err;
}

await runSubgraph('agreements', (deps) => createAgreementsServer(deps, config));
