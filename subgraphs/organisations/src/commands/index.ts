/** The operator commands that write the organisations subgraph's data (mounted by `osr`, scripts/osr.ts). */
import type { CommandSpec } from '@osr/common/cli';
import { rioImport } from './rio-import.js';
import { rioSync } from './rio-sync.js';

export const organisationsCommands: readonly CommandSpec[] = [rioImport, rioSync];
