/**
 * npm run api:check: the API contract (docs/clients.md). Compares schema/api.graphql with the
 * last released schema (schema/released/api.graphql), validates every registered operation
 * against it, and fails (exit 1) on a breaking change CHANGELOG.md does not announce with the
 * deprecation it follows, an operation that no longer validates, or a @deprecated without the
 * date it goes. Exit 0 prints what changed since the release.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkContract, registeredOperations } from './api-contract-lib.js';
import { apiSchemaPath, releasedApiSchemaPath } from './compose-lib.js';
import { repoRoot } from './ferretdb.js';

try {
  const operations = registeredOperations(repoRoot);
  const report = await checkContract({
    api: readFileSync(apiSchemaPath, 'utf8'),
    released: readFileSync(releasedApiSchemaPath, 'utf8'),
    changelog: readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8'),
    operations,
  });
  const changes = [...report.breaking.map((b) => b.change), ...report.other];
  if (report.problems.length) {
    console.error(`The API contract is broken (docs/clients.md):\n${report.problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exit(1);
  }
  for (const change of changes) console.log(`  ${change.criticality.level.toLowerCase()}: ${change.message}`);
  console.log(`API contract kept: ${changes.length} change(s) since schema/released/api.graphql, ${report.breaking.length} of them breaking and announced; ${operations.length} registered operation documents validate.`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
