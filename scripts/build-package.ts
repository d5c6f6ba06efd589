/**
 * `npm run build` of one workspace package (run from its folder, by turbo after the packages
 * it depends on): dist/ emptied, the sources compiled by tsc (tsconfig.build.json), then the
 * files src/ holds besides TypeScript (GraphQL schemas, the explorer's page) copied beside
 * the output, where the compiled code looks for them. The package's exports name dist/
 * under the `compiled` condition (`node --conditions=compiled`, as the images run), src/ otherwise.
 * The cli package has no src/: its tsconfig.build.json compiles the osr command from scripts/.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

if (!existsSync('tsconfig.build.json')) {
  console.error('build-package: run from a package folder with a tsconfig.build.json');
  process.exit(2);
}
rmSync('dist', { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
} catch {
  process.exit(1);
}
if (existsSync('src')) cpSync('src', 'dist', { recursive: true, filter: (path) => !path.endsWith('.ts') });
else {
  // A package compiled from another folder (the cli, from scripts/): the data files at the top
  // of that folder (the command manifest osr reads at start) go beside the output too.
  const rootDir = (JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { compilerOptions?: { rootDir?: string } }).compilerOptions?.rootDir;
  if (rootDir) for (const name of readdirSync(rootDir)) if (name.endsWith('.json')) cpSync(join(rootDir, name), join('dist', name));
}
