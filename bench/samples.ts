// What the replay and TUI benchmarks share: the fixed-seed sequence that picks positions, quantiles, and the
// per-run summary of each measure (the runner then reports the median over runs and their range).

import type { Column } from './run.ts';

/** A deterministic sequence: the same positions every run, so runs are comparable. */
export function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

/** The sample at quantile q (nearest rank at or below). */
export function pct(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export interface RunSummaries {
  /** One median, p95 and max per run; n is the number of samples of the last run. */
  med: number[];
  p95: number[];
  max: number[];
  n: number;
}

/** Per measure, in the order first added: one median, p95 and max per run. */
export class PerRun {
  readonly measures: Record<string, RunSummaries> = {};

  /** Adds one run's samples of a measure (a run without samples adds nothing). */
  add(measure: string, samples: number[]): void {
    if (samples.length === 0) return;
    const m = (this.measures[measure] ??= { med: [], p95: [], max: [], n: 0 });
    m.med.push(pct(samples, 0.5));
    m.p95.push(pct(samples, 0.95));
    m.max.push(Math.max(...samples));
    m.n = samples.length;
  }
}

/** The columns of a PerRun table after its measure (and count) columns: median, p95 and max per run, the target. */
export const SUMMARY_COLUMNS: readonly Column[] = [
  { key: 'median', label: 'median', format: 'ms' },
  { key: 'p95', label: 'p95', format: 'ms' },
  { key: 'max', label: 'max', format: 'ms' },
  { key: 'target', label: 'target', format: 'text' },
];
