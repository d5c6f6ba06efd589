/**
 * The README is the front door: its first request is the one `npm start` prints (token step
 * first), and every relative link in README.md and docs/ resolves to a file (and, for
 * `#anchor` links, to a heading in it).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../scripts/ferretdb.js';
import { firstRequestHint } from '../scripts/first-request.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

function markdownFiles(): string[] {
  const docs = join(repoRoot, 'docs');
  const found = [join(repoRoot, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.md')) found.push(path);
    }
  };
  if (existsSync(docs)) walk(docs);
  return found;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = anchorOf(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Relative link targets in a markdown text, outside code. */
function linksOf(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('README.md and docs/', () => {
  it('the README\'s first request is what npm start prints for board 41234, the token step before the request', () => {
    const block = readme.slice(readme.indexOf('## The headline request'));
    const code = /```sh\n([\s\S]*?)```/.exec(block)![1]!.trimEnd().split('\n');
    expect(code).toEqual(firstRequestHint('http://127.0.0.1:4000/graphql', '41234'));
  });

  it('every relative link resolves to a file, and every #anchor to a heading of that file', () => {
    const broken: string[] = [];
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const link of linksOf(text)) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? file : resolve(dirname(file), decodeURI(path));
        const where = `${relative(repoRoot, file)}: ${link}`;
        if (!existsSync(target)) {
          broken.push(`${where} (no such file)`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${where} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README stays a front door: at most about 250 lines; every docs/ page opens with a three-line summary', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(260);
    for (const file of markdownFiles().filter((f) => f.includes(`${join(repoRoot, 'docs')}/`))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      const title = lines.findIndex((l) => l.startsWith('# '));
      expect(title, relative(repoRoot, file)).toBe(0);
      // a title, a blank line, then the summary: three lines of prose, then a blank line
      const summary = lines.slice(2, 5);
      expect(summary.every((l) => l.trim() !== '' && !l.startsWith('#')), `${relative(repoRoot, file)} summary`).toBe(true);
      expect(lines[5]!.trim(), `${relative(repoRoot, file)} summary is three lines`).toBe('');
    }
  });
});

/** Source files whose comments may cite paths: every workspace's src, the scripts, the tests' support. */
function sourceFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === 'node_modules' || entry === 'generated' || entry === 'dist' || entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(entry) && !entry.endsWith('.d.ts')) found.push(path);
    }
  };
  for (const dir of ['common/src', 'gateway/src', 'cli/src', 'scripts', 'subgraphs']) if (existsSync(join(repoRoot, dir))) walk(join(repoRoot, dir));
  return found;
}

/**
 * The paths a source file's comments cite: `docs/x.md`, `a/b.ts`, or a bare `x.ts` (a file of
 * the same workspace, or of the repository's root or docs/). A name given as an example of an
 * argument (`file.json`, `bundle.json`), or one every package has, is no citation.
 */
export function citedPaths(text: string): string[] {
  const comments = [...text.matchAll(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g)].map((m) => m[0]).join('\n');
  return [...new Set([...comments.matchAll(/(?<![\w@./-])((?:[\w.-]+\/)*[\w-]+(?:\.[\w-]+)*\.(?:ts|md|graphql|json|yml|yaml))(?![\w/])/g)].map((m) => m[1]!))].filter((p) => !EXAMPLE_NAMES.has(p));
}

const EXAMPLE_NAMES = new Set(['file.json', 'bundle.json', 'tsconfig.build.json']);

describe('paths cited in code comments', () => {
  it('finds the paths a comment cites', () => {
    expect(citedPaths("// see docs/data-access.md and school-cache.ts\nconst x = 'a.ts'; /* (common/src/indexes.ts) */")).toEqual(['docs/data-access.md', 'school-cache.ts', 'common/src/indexes.ts']);
  });

  it('every path a comment cites exists (from the repository, the file, or its workspace)', () => {
    const missing: string[] = [];
    for (const file of sourceFiles()) {
      const workspace = /^(.*?\/(?:subgraphs\/[^/]+|common|gateway|cli))\//.exec(file)?.[1] ?? repoRoot;
      for (const path of citedPaths(readFileSync(file, 'utf8'))) {
        // the team's shared documents live beside the repository, not in it
        if (path.startsWith('shared/docs/')) continue;
        const candidates = path.includes('/')
          ? [join(repoRoot, path), resolve(dirname(file), path), join(workspace, path), join(workspace, 'src', path)]
          : [resolve(dirname(file), path), join(repoRoot, path), join(repoRoot, 'docs', path), join(workspace, path), join(workspace, 'src', path), ...findByName(workspace, path)];
        if (!candidates.some((c) => existsSync(c))) missing.push(`${relative(repoRoot, file)}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

const byName = new Map<string, string[]>();
/** Files of this name anywhere in the workspace's src (a bare name cites a file of the same workspace). */
function findByName(workspace: string, name: string): string[] {
  const key = `${workspace}|${name}`;
  if (!byName.has(key)) {
    const hits: string[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir)) {
        if (entry === 'node_modules' || entry.startsWith('.')) continue;
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (entry === name) hits.push(path);
      }
    };
    walk(workspace === repoRoot ? join(repoRoot, 'scripts') : join(workspace, 'src'));
    byName.set(key, hits);
  }
  return byName.get(key)!;
}
