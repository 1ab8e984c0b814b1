import type { Parameters } from 'fast-check';

/**
 * fast-check settings shared by the property suites: a fresh seed per run (fast-check prints the seed and the
 * shrunk counterexample path of a failure, so `FC_SEED=<seed> FC_PATH=<path>` replays it) and a bounded number of
 * runs so that CI stays fast (`FC_RUNS` raises it locally).
 */
export function propertyOptions<T>(numRuns: number): Parameters<T> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const path = process.env.FC_PATH;
  return {
    numRuns: process.env.FC_RUNS ? Number(process.env.FC_RUNS) : numRuns,
    ...(seed !== undefined ? { seed } : {}),
    ...(path !== undefined ? { path } : {}),
    verbose: 1,
  };
}
