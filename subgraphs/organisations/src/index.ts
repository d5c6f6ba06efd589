import { runSubgraph } from '@osr/common';
import { createOrganisationsServer } from './server.js';

await runSubgraph('organisations', createOrganisationsServer);
