/**
 * node --import ./test/support/record-modules.mjs ...: appends the URL of every module the
 * process loads to the file named by OSR_RECORD_MODULES (one a line), so a test can say what
 * a command did not load.
 */
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (process.env.OSR_RECORD_MODULES) appendFileSync(process.env.OSR_RECORD_MODULES, url + '\\n');
  return next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
