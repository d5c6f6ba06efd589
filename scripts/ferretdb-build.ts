/**
 * osr ferretdb build [--json]   (npm run ferretdb:build)
 *
 * Builds the embedded database binary (FerretDB, with Go) unless the one in .cache/ferretdb is
 * current. With MONGODB_URI set the embedded database is not used, so nothing is built.
 */
import type { CommandSpec } from '@osr/common/cli';
import { SetupError, ensureFerretdbBinary } from './ferretdb.js';

export const ferretdbBuild: CommandSpec = {
  group: 'ferretdb',
  name: 'build',
  alias: 'ferretdb:build',
  summary: 'build the embedded database binary unless it is current',
  async run(_args, _values, { out, env }) {
    if (env.mongodbUri) {
      out.finish(0, 'MONGODB_URI is set: the embedded database is not needed', { binary: null }, [], { outcome: 'nothing to build' });
      return;
    }
    try {
      const path = await ensureFerretdbBinary();
      out.finish(0, `embedded database ready: ${path}`, { binary: path }, [], { outcome: 'binary ready' });
    } catch (err) {
      if (err instanceof SetupError) out.fail(err.message);
      throw err;
    }
  },
};
