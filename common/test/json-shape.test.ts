import { describe, expect, it } from 'vitest';
import { jsonShapeExcess, type JsonShapeLimits } from '../src/json-shape.js';

const LIMITS: JsonShapeLimits = { maxDepth: 4, maxKeys: 3, maxValues: 12 };
const WIDE: JsonShapeLimits = { maxDepth: 1e9, maxKeys: 1e9, maxValues: 1e9 };

describe('the shape of a JSON text, measured before it is parsed', () => {
  it('counts every value once: objects, arrays, strings, numbers, true, false, null (keys are not values)', () => {
    // outer object, a: array, 1, -2.5e3, "x", true, false, null, b: object, c: "y" = 10
    const text = '{"a": [1, -2.5e3, "x", true, false, null], "b": {"c": "y"}}';
    expect(jsonShapeExcess(text, { ...WIDE, maxValues: 10 })).toBeNull();
    expect(jsonShapeExcess(text, { ...WIDE, maxValues: 9 })).toEqual({ limit: 'values', value: 10, max: 9 });
  });

  it('counts the levels of objects and arrays, the outermost being level 1', () => {
    expect(jsonShapeExcess('{"a": [[{"b": 1}]]}', LIMITS)).toBeNull();
    expect(jsonShapeExcess('{"a": [[[{"b": 1}]]]}', LIMITS)).toEqual({ limit: 'depth', value: 5, max: 4 });
    // levels closed again do not add up
    expect(jsonShapeExcess('[[[1]], [[2]], [[3]]]', LIMITS)).toBeNull();
  });

  it('counts the keys of each object on its own', () => {
    expect(jsonShapeExcess('{"a": {"x": 1, "y": 2, "z": 3}, "b": 1, "c": 2}', LIMITS)).toBeNull();
    expect(jsonShapeExcess('{"a": 1, "b": {"x": 1}, "c": 2, "d": 3}', LIMITS)).toEqual({ limit: 'keys', value: 4, max: 3 });
    // a string value after a key is not a key; an array in an object does not take its keys
    expect(jsonShapeExcess('{"a": "b", "c": ["d", "e", "f", "g"]}', LIMITS)).toBeNull();
  });

  it('takes brackets, quotes, colons and commas inside strings (escaped or not) for text', () => {
    const text = JSON.stringify({ q: '{[[[[[[:,"]]]}', e: 'a\\"[[[[[[\\\\', f: '\\', g: '"' });
    // four keys, five values, one level
    expect(jsonShapeExcess(text, { maxDepth: 1, maxKeys: 4, maxValues: 5 })).toBeNull();
    expect(jsonShapeExcess(text, { maxDepth: 1, maxKeys: 4, maxValues: 4 })).toEqual({ limit: 'values', value: 5, max: 4 });
  });

  it('stops at the first character past a limit, whatever follows (a 1 MiB tail of garbage is never read)', () => {
    const deep = `${'['.repeat(5)}${'x'.repeat(1024 * 1024)}`;
    expect(jsonShapeExcess(deep, LIMITS)).toEqual({ limit: 'depth', value: 5, max: 4 });
  });

  it('gives the same counts as the parsed value for generated documents', () => {
    const values = (v: unknown): number =>
      1 + (Array.isArray(v) ? v.reduce((n: number, x) => n + values(x), 0) : v && typeof v === 'object' ? Object.values(v).reduce((n: number, x) => n + values(x), 0) : 0);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const build = (level: number): unknown => {
      const r = random();
      if (level > 5 || r < 0.3) return [1, -0.5, 'a"]', true, null, '\\'][Math.floor(random() * 6)];
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 5) }, () => build(level + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, (_, i) => [`k${i}{`, build(level + 1)]));
    };
    for (let i = 0; i < 200; i++) {
      const value = build(0);
      const text = JSON.stringify(value, null, i % 2 ? 1 : undefined);
      const n = values(value);
      expect(jsonShapeExcess(text, { ...WIDE, maxValues: n })).toBeNull();
      expect(jsonShapeExcess(text, { ...WIDE, maxValues: n - 1 })?.limit).toBe('values');
    }
  });
});
