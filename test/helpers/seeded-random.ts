import type { RandomSource } from '../../src/crypto/random.js';

export type SeededRandom = RandomSource & {
  /** A uniform integer in 0..maxExclusive-1 from the same stream. */
  int(maxExclusive: number): number;
  /** An independent source that continues the same stream from here. */
  fork(): SeededRandom;
};

/**
 * A deterministic byte source (SplitMix32-style) so every test run sees the same "random" bytes; `position` words of
 * the stream are skipped (how `fork()` continues a stream).
 */
export function seededRandom(seed = 1, position = 0): SeededRandom {
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
  }) as SeededRandom;
  random.int = (maxExclusive) => next() % maxExclusive;
  random.fork = () => seededRandom(seed, drawn);
  return random;
}

/** The same stream, named for what the export -> restore tests use it for. */
export const forkableRandom = (seed = 1): SeededRandom => seededRandom(seed);
