// StableMap/StableSet behave as Map/Set do (but for the place of a key set again after a delete), whatever the
// sequence of operations, and their cost does not grow when one key is deleted and set again and again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StableMap, StableSet } from '../../src/model/stable-map.js';
import { propertyOptions } from '../helpers/property.js';

describe('StableMap', () => {
  it('answers get, has, size, delete and iteration (as a set of entries) exactly as a Map', () => {
    const op = fc.tuple(fc.constantFrom('set', 'delete', 'clear'), fc.integer({ min: 0, max: 40 }), fc.integer());
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const real = new Map<number, number>();
        const ours = new StableMap<number, number>();
        for (const [what, k, v] of ops) {
          if (what === 'set') expect(ours.set(k, v)).toBe(ours), real.set(k, v);
          else if (what === 'delete') expect(ours.delete(k)).toBe(real.delete(k));
          else if (k === 0) (ours.clear(), real.clear());
          expect(ours.size).toBe(real.size);
          expect(ours.get(k)).toBe(real.get(k));
          expect(ours.has(k)).toBe(real.has(k));
        }
        const sorted = <T>(xs: Iterable<T>) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
        expect(sorted(ours)).toEqual(sorted(real));
        expect(sorted(ours.keys())).toEqual(sorted(real.keys()));
        expect(sorted(ours.values())).toEqual(sorted(real.values()));
      }),
      propertyOptions(300),
    );
  });

  it('StableSet answers as a Set', () => {
    const s = new StableSet<string>();
    s.add('a').add('b').add('a');
    expect([s.size, s.has('a'), s.delete('a'), s.delete('a'), s.has('a'), [...s]]).toEqual([2, true, true, false, false, ['b']]);
  });

  it('deleting and setting one key 20,000 times among 80,000 costs what it costs among 10', () => {
    const cost = (size: number) => {
      const m = new StableMap<string, number>();
      for (let i = 0; i < size; i++) m.set(`k${i}`, i);
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const t = performance.now();
        for (let i = 0; i < 4000; i++) (m.set('churn', i), m.delete('churn'));
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    const small = cost(10);
    const big = cost(80_000);
    expect(big / small, `${big.toFixed(2)} ms vs ${small.toFixed(2)} ms per 4,000 cycles`).toBeLessThan(3);
  });
});
