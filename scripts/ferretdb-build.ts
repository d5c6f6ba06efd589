/** npm run ferretdb:build: builds the embedded database binary unless it is current. */
import { SetupError, ensureFerretdbBinary } from './ferretdb.js';

if (process.env['MONGODB_URI']) {
  console.log('MONGODB_URI is set: the embedded database is not needed.');
} else {
  try {
    const path = await ensureFerretdbBinary();
    console.log(`Embedded database ready: ${path}`);
  } catch (err) {
    console.error(err instanceof SetupError ? err.message : err);
    process.exit(1);
  }
}
