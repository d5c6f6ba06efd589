/** The operator commands that write the agreements subgraph's data (mounted by `osr`, scripts/osr.ts). */
import type { CommandSpec } from '@osr/common/cli';
import { agreementsImport } from './agreements-import.js';

export const agreementsCommands: readonly CommandSpec[] = [agreementsImport];
