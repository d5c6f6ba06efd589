/**
 * One HTTP attempt: POST the body to the endpoint, connected to the address that was checked
 * (addresses.ts), signed (secrets.ts), with a time limit. Any 2xx is success; redirects are
 * not followed (a 3xx is a failure).
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './addresses.js';
import { signatureHeader } from './secrets.js';

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface SignedRequest {
  url: string;
  target: ResolvedTarget;
  eventId: string;
  eventType: string;
  body: string;
  secrets: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
}

export function post(request: SignedRequest, now: () => number = Date.now): Promise<AttemptOutcome> {
  const started = now();
  const timestamp = String(Math.floor(started / 1000));
  const url = new URL(request.url);
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: request.target.address, family: request.target.family }]);
    else callback(null, request.target.address, request.target.family);
  };
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (ok: boolean, statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      resolve({ ok, statusCode, error, durationMs: now() - started });
    };
    const req = send(
      url,
      {
        method: 'POST',
        lookup: pinned,
        timeout: request.timeoutMs,
        signal: request.signal,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(request.body),
          'user-agent': 'OSR-Webhooks/1',
          'x-osr-event-id': request.eventId,
          'x-osr-event-type': request.eventType,
          'x-osr-timestamp': timestamp,
          'x-osr-signature': signatureHeader(request.secrets, timestamp, request.body),
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        // the answer's body is not kept: read (and drop) a little of it, then close
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 64 * 1024) res.destroy();
        });
        for (const event of ['end', 'error', 'close']) res.on(event, () => finish(ok, status, ok ? null : `HTTP ${status}`));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    timer.unref();
    req.on('timeout', () => req.destroy(new Error(`no answer within ${request.timeoutMs} ms`)));
    req.on('error', (err) => finish(false, null, err.message));
    req.on('close', () => clearTimeout(timer));
    req.end(request.body);
  });
}
