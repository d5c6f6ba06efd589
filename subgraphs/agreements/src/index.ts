import { runSubgraph } from '@osr/common';
import { createAgreementsServer } from './server.js';

await runSubgraph('agreements', createAgreementsServer);
