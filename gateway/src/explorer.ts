/**
 * The in-browser explorer (GraphiQL), served by the gateway itself from npm packages, so it
 * works with no internet and no CDN. GET /explorer; the token goes in GraphiQL's header
 * editor: {"Authorization": "Bearer <token>"}.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Route } from '@osr/common';

const require = createRequire(import.meta.url);

/** A package's root folder (its package.json is always resolvable). */
function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  path: string;
  type: string;
  body: Buffer;
}

function assets(): Asset[] {
  const here = dirname(new URL(import.meta.url).pathname);
  return [
    { path: '/explorer/react.js', type: 'text/javascript', body: readFileSync(join(packageDir('react'), 'umd/react.production.min.js')) },
    { path: '/explorer/react-dom.js', type: 'text/javascript', body: readFileSync(join(packageDir('react-dom'), 'umd/react-dom.production.min.js')) },
    { path: '/explorer/graphiql.js', type: 'text/javascript', body: readFileSync(join(packageDir('graphiql'), 'graphiql.min.js')) },
    { path: '/explorer/graphiql.css', type: 'text/css', body: readFileSync(join(packageDir('graphiql'), 'graphiql.min.css')) },
    { path: '/explorer/app.js', type: 'text/javascript', body: readFileSync(join(here, 'explorer', 'app.js')) },
    { path: '/explorer', type: 'text/html', body: readFileSync(join(here, 'explorer', 'index.html')) },
  ];
}

export function explorerRoutes(): Route[] {
  return assets().map((asset) => ({
    method: 'GET' as const,
    path: asset.path,
    handle(_req, res) {
      res.writeHead(200, {
        'content-type': `${asset.type}; charset=utf-8`,
        'content-length': asset.body.length,
        'cache-control': asset.type === 'text/html' ? 'no-store' : 'public, max-age=3600',
        ...SECURITY_HEADERS,
      });
      res.end(asset.body);
    },
  }));
}
