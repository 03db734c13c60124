// Small numeric helpers shared by the statistics tests (simulations and tolerances).
import { wilson } from '../../src/metrics/stats.ts';

/** |a − b| ≤ eps. */
export const close = (a: number, b: number, eps = 1e-9): boolean => Math.abs(a - b) <= eps;

/** A share as a percentage with two decimals, for messages. */
export const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** Standard normal draw (Box–Muller, cosine branch) from a uniform source. */
export function normal(rand: () => number): number {
  let u = rand();
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * Exact coverage of the 95% Wilson interval at rate p and size n: the binomial probability of the
 * k whose interval holds p (no simulation, so no luck involved).
 */
export function exactCoverage(p: number, n: number, interval: (k: number, n: number) => readonly number[] = wilson): number {
  let logC = 0; // log C(n, k), built up as k grows
  let cov = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    const [lo, hi] = interval(k, n);
    if (lo <= p && p <= hi) cov += Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
  }
  return cov;
}
