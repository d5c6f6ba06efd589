import { runSubgraph } from '@osr/common';
import { createMandatesServer } from './server.js';

await runSubgraph('mandates', createMandatesServer);
