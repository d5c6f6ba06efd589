/**
 * A V8 CPU profile (node --cpu-prof) summed by where the code lives: a package under
 * node_modules, a part of Node.js itself (its bundled fetch, streams, http/net, ...), our own
 * code, or V8's own entries (garbage collection, idle, program).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The group one function's self time counts to. */
export function libraryOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8 (program)';
    return 'V8 built-ins';
  }
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (inModules) return inModules[1]!;
  if (url.startsWith('node:')) {
    const path = url.slice('node:'.length);
    if (path.startsWith('internal/deps/undici')) return 'node: fetch (undici)';
    if (/^internal\/webstreams/.test(path)) return 'node: web streams';
    if (/^(internal\/)?(abort_controller|event_target)/.test(path) || /internal\/(abort_controller|event_target)/.test(path)) return 'node: AbortSignal/EventTarget';
    if (/^(internal\/)?(http|_http|net|stream|dns|tls|internal\/stream_base|internal\/streams|internal\/http)/.test(path)) return 'node: http/net/streams';
    if (/^(internal\/)?(process\/task_queues|timers|internal\/timers|internal\/process)/.test(path)) return 'node: timers/microtasks';
    if (/^internal\/(modules|vm)/.test(path)) return 'node: module loading';
    if (/crypto/.test(path)) return 'node: crypto';
    return 'node: other';
  }
  return 'ours (gateway, common)';
}

/** Self time by group, in µs, largest first. */
export function profileByLibrary(path: string): { library: string; micros: number }[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const group = libraryOf(node.callFrame);
    totals.set(group, (totals.get(group) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return [...totals].map(([library, micros]) => ({ library, micros })).sort((a, b) => b.micros - a.micros);
}
