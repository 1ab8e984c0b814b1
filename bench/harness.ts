import { Bench } from 'tinybench';

export interface Measured {
  name: string;
  /** Median over rounds of the throughput, operations per second (runs / total time of the round). */
  hz: number;
  /** The throughput of each round. */
  rounds: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The median of the per-round ratios a/b: both tasks ran in the same rounds, side by side. */
export function ratio(a: Measured, b: Measured): number {
  return median(a.rounds.map((hz, i) => hz / b.rounds[i]!));
}

/**
 * Runs the tasks of one comparison group together, `rounds` times, interleaving them so that a slow moment of this
 * shared machine hits every task alike, and keeps the median throughput of each. Only ratios between tasks of the same
 * run are meaningful figures; absolute numbers are noise here.
 */
export async function measure(tasks: Record<string, () => unknown>, { time = 100, rounds = 5 } = {}): Promise<Record<string, Measured>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(tasks);
    if (round % 2) names.reverse();
    const bench = new Bench({ time, warmupTime: 40 });
    for (const name of names) bench.add(name, tasks[name]!);
    await bench.run();
    for (const task of bench.tasks) {
      // 1000 / period (runs over their total time), not tinybench's throughput.mean: that is the mean of per-call
      // rates 1/latency, which a call's GC pause or an await barely moves — it flattered calls that allocate
      const r = task.result as { period?: number } | undefined;
      if (!r?.period) throw new Error(`benchmark task ${task.name} failed: ${JSON.stringify(task.result)}`);
      (samples[task.name] ??= []).push(1000 / r.period);
    }
  }
  return Object.fromEntries(
    Object.keys(tasks).map((name) => [name, { name, hz: median(samples[name]!), rounds: samples[name]! }]),
  );
}

export const fmtHz = (hz: number): string =>
  hz >= 1e6 ? `${(hz / 1e6).toFixed(2)}M` : hz >= 1e3 ? `${(hz / 1e3).toFixed(1)}k` : hz.toFixed(0);
export const fmtRatio = (r: number): string => `${r.toFixed(2)}×`;

/** Prints a plain-text table (markdown-compatible, so it can be pasted into notes). */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

/** A verdict line for a target ratio, so a regression is visible in the output. */
export function checkTarget(label: string, ratio: number, target: number): string {
  return `${ratio >= target ? 'OK  ' : 'MISS'} ${label}: ${fmtRatio(ratio)} (target ≥ ${fmtRatio(target)})`;
}
