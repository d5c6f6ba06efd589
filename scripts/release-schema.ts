/**
 * npm run release:schema: publishes the current API schema as the released one. Copies
 * schema/api.graphql to schema/released/api.graphql and turns CHANGELOG.md's "## Unreleased"
 * into the new version (semantic versioning from the schema diff: major for a breaking change,
 * minor for an addition, patch otherwise), with today's date and a fresh "## Unreleased" above.
 * Refuses while the contract check fails or when nothing changed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkContract, registeredOperations, UNRELEASED_HEADING } from './api-contract-lib.js';
import { apiSchemaPath, releasedApiSchemaPath } from './compose-lib.js';
import { repoRoot } from './ferretdb.js';
import { CriticalityLevel } from '@graphql-inspector/core';

const changelogPath = join(repoRoot, 'CHANGELOG.md');

export function nextVersion(changelog: string, level: 'major' | 'minor' | 'patch'): string {
  const last = /^## (\d+)\.(\d+)\.(\d+)\b/m.exec(changelog);
  if (!last) return '1.0.0';
  const [major, minor, patch] = [Number(last[1]), Number(last[2]), Number(last[3])];
  if (level === 'major') return `${major + 1}.0.0`;
  if (level === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

try {
  const api = readFileSync(apiSchemaPath, 'utf8');
  const changelog = readFileSync(changelogPath, 'utf8');
  const released = readFileSync(releasedApiSchemaPath, 'utf8');
  const report = await checkContract({ api, released, changelog, operations: registeredOperations(repoRoot) });
  if (report.problems.length) throw new Error(`not released: npm run api:check fails:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`);
  if (api === released) throw new Error('not released: schema/api.graphql equals schema/released/api.graphql');
  if (!changelog.includes(`\n${UNRELEASED_HEADING}\n`)) throw new Error(`not released: CHANGELOG.md has no "${UNRELEASED_HEADING}" section`);
  const level = report.breaking.length ? 'major' : report.other.some((c) => c.criticality.level !== CriticalityLevel.NonBreaking || c.type.endsWith('_ADDED')) ? 'minor' : 'patch';
  const version = nextVersion(changelog, level);
  const today = new Date().toISOString().slice(0, 10);
  writeFileSync(changelogPath, changelog.replace(`\n${UNRELEASED_HEADING}\n`, `\n${UNRELEASED_HEADING}\n\n## ${version} (${today})\n`));
  mkdirSync(dirname(releasedApiSchemaPath), { recursive: true });
  writeFileSync(releasedApiSchemaPath, api);
  console.log(`Released API schema ${version} (${level}): schema/released/api.graphql and CHANGELOG.md written; commit both.`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
