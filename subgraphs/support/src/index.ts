import { runSubgraph } from '@osr/common';
import { createSupportServer } from './server.js';

await runSubgraph('support', createSupportServer);
