import type { RandomSource } from '../../src/crypto/random.js';

/** A deterministic byte source (SplitMix32-style) so every test run sees the same "random" bytes. */
export function seededRandom(seed = 1): RandomSource & { int(maxExclusive: number): number } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const random = ((n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = next() & 0xff;
    return out;
  }) as RandomSource & { int(maxExclusive: number): number };
  random.int = (maxExclusive) => next() % maxExclusive;
  return random;
}

/** A deterministic byte source whose position can be copied: `fork()` continues the same stream independently. */
export function forkableRandom(seed = 1, position = 0): RandomSource & { fork(): RandomSource & { fork(): unknown } } {
  let state = (seed + Math.imul(position, 0x9e3779b9)) >>> 0;
  let drawn = position;
  const next = (): number => {
    drawn++;
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const random = ((n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = next() & 0xff;
    return out;
  }) as RandomSource & { fork(): RandomSource & { fork(): unknown } };
  random.fork = () => forkableRandom(seed, drawn);
  return random;
}
