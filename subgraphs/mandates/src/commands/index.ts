/** The operator commands that write the mandates subgraph's data (mounted by `osr`, scripts/osr.ts). */
import type { CommandSpec } from '@osr/common/cli';
import { mandatesRepair } from './mandates-repair.js';
import { osoMigrate } from './oso-migrate.js';
import { suppliersImport } from './suppliers-import.js';

export const mandatesCommands: readonly CommandSpec[] = [osoMigrate, suppliersImport, mandatesRepair];
