// Paired comparison of two runs on the same cases (baseline vs candidate): the statistics behind
// version comparison and the CI regression gate. Arrays are aligned by case: index i is the same
// case in both runs. Differences are always candidate − baseline, so a drop is negative.
import { mean, normalQuantile, quantileSorted, resampledMeans, wilson } from './stats.ts';

function checkAligned(baseline: readonly number[], candidate: readonly number[]): void {
  if (baseline.length !== candidate.length) {
    throw new RangeError(`baseline (${baseline.length}) and candidate (${candidate.length}) must score the same cases`);
  }
}

/**
 * Two-sided exact McNemar test: the binomial test of b against b + c trials with p = 0.5, where b
 * and c are the discordant pairs (cases only one of the two runs got right). p = min(1, 2·P(X ≤ min(b, c))),
 * X ~ Binomial(b + c, 1/2); 1 when there is no discordant pair (or |b − c| ≤ 1). Summed in log space, stable for
 * large counts. Symmetric in b and c.
 */
export function mcnemarExact(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError(`b and c must be non-negative integers, got ${b}, ${c}`);
  const n = b + c;
  // |b − c| ≤ 1: P(X ≤ min(b, c)) ≥ 1/2, so p is exactly 1 (summing would round to 0.9999999999999998).
  if (Math.abs(b - c) <= 1) return 1;
  const k = Math.min(b, c);
  // log of C(n, i)·2^-n for i = 0..k; the largest is at i = k (k ≤ n/2), so scale by it.
  const logs: number[] = [];
  let logC = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    logs.push(logC - n * Math.LN2);
  }
  const top = logs[k];
  let s = 0;
  for (let i = k; i >= 0; i--) s += Math.exp(logs[i] - top);
  return Math.min(1, 2 * Math.exp(top) * s);
}

export interface PairedBinary {
  /** Number of cases (pairs). */
  n: number;
  /** Baseline accuracy (share of 1s). */
  baseline: number;
  /** Candidate accuracy. */
  candidate: number;
  /** candidate − baseline, in proportion (−1..1); negative is a drop. */
  diff: number;
  /** Cases the baseline got right and the candidate wrong (losses). */
  b: number;
  /** Cases the baseline got wrong and the candidate right (gains). */
  c: number;
  /** Two-sided exact McNemar p-value. */
  p: number;
  /** 95% interval of `diff`: Newcombe's hybrid score interval for paired proportions (method 10). */
  ci95: [number, number];
  method: 'mcnemar-exact';
}

/**
 * Paired comparison of two pass/fail runs on the same cases (arrays of 0/1 aligned by case).
 * p: exact McNemar on the discordant pairs. Interval: Newcombe's hybrid score interval for a paired
 * difference (Newcombe 1998, Stat Med 17:2635, method 10; the worked example of Altman et al.,
 * Statistics with Confidence, 2000, Table 6.2), not a paired Wald interval. With a = both right,
 * b = baseline only, c = candidate only, d = both wrong, p1/p2 the two accuracies and (l1,u1), (l2,u2)
 * their Wilson intervals, and φ the phi coefficient of the 2×2 table with Newcombe's adjustment
 * (ad − bc is reduced by n/2, floored at 0, when positive; φ = 0 when a margin is 0):
 *   lower = diff − √((u1−p1)² − 2φ(u1−p1)(p2−l2) + (p2−l2)²)
 *   upper = diff + √((p1−l1)² − 2φ(p1−l1)(u2−p2) + (u2−p2)²)
 * It stays inside [−1, 1] and behaves at 0 or 100%, where a paired Wald interval collapses.
 */
export function pairedBinary(baseline: readonly number[], candidate: readonly number[]): PairedBinary {
  checkAligned(baseline, candidate);
  const n = baseline.length;
  let a = 0; // both right
  let b = 0; // baseline right, candidate wrong
  let c = 0; // baseline wrong, candidate right
  let d = 0; // both wrong
  for (let i = 0; i < n; i++) {
    const x = baseline[i];
    const y = candidate[i];
    if ((x !== 0 && x !== 1) || (y !== 0 && y !== 1)) throw new RangeError(`case ${i}: pass/fail scores must be 0 or 1, got ${x} and ${y}`);
    if (x === 1 && y === 1) a++;
    else if (x === 1) b++;
    else if (y === 1) c++;
    else d++;
  }
  if (n === 0) return { n, baseline: NaN, candidate: NaN, diff: NaN, b, c, p: 1, ci95: [-1, 1], method: 'mcnemar-exact' };
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const diff = (c - b) / n;
  const [l1, u1] = wilson(a + b, n);
  const [l2, u2] = wilson(a + c, n);
  const den = Math.sqrt((a + b) * (c + d) * (a + c) * (b + d));
  const cross = a * d - b * c;
  const phi = den > 0 ? (cross > 0 ? Math.max(cross - n / 2, 0) : cross) / den : 0;
  const root = (x: number, y: number) => Math.sqrt(Math.max(0, x * x - 2 * phi * x * y + y * y));
  const lower = diff - root(u1 - p1, p2 - l2);
  const upper = diff + root(p1 - l1, u2 - p2);
  return { n, baseline: p1, candidate: p2, diff, b, c, p: mcnemarExact(b, c), ci95: [Math.max(-1, lower), Math.min(1, upper)], method: 'mcnemar-exact' };
}

export interface PairedBootstrap {
  n: number;
  baseline: number;
  candidate: number;
  /** Mean of candidate − baseline over cases. */
  diff: number;
  /** 95% percentile-bootstrap interval of `diff` (cases resampled as pairs). */
  ci95: [number, number];
  /** Two-sided bootstrap p-value of "no mean difference" (see pairedBootstrap). */
  p: number;
  resamples: number;
  method: 'paired-bootstrap';
}

/**
 * Paired bootstrap of the mean difference (candidate − baseline) for scores of any kind (0..1
 * graded or pass/fail). Cases are resampled with replacement as pairs, i.e. the per-case differences
 * d_i are resampled, which keeps the correlation between the runs. The interval is the 2.5%/97.5%
 * percentile of the resampled means D*. The p-value comes from the bootstrap distribution shifted to
 * the null (Efron & Tibshirani 1993, §16.4): p = (1 + #{|D* − d̄| ≥ |d̄|}) / (B + 1), so it is never 0
 * and is 1 when d̄ = 0. The d_i are sorted before resampling, so case order does not matter.
 */
export function pairedBootstrap(baseline: readonly number[], candidate: readonly number[], opts: { seed: number; resamples?: number }): PairedBootstrap {
  checkAligned(baseline, candidate);
  const resamples = opts.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const n = baseline.length;
  if (n === 0) return { n, baseline: NaN, candidate: NaN, diff: NaN, ci95: [-1, 1], p: 1, resamples, method: 'paired-bootstrap' };
  const ds = baseline.map((x, i) => candidate[i] - x).sort((x, y) => x - y);
  const diff = mean(ds);
  const sorted = resampledMeans(ds, opts.seed, resamples);
  const tol = 1e-12; // resampled means equal to |d̄| up to rounding count as "as extreme"
  let extreme = 0;
  for (const m of sorted) if (Math.abs(m - diff) >= Math.abs(diff) - tol) extreme++;
  const p = diff === 0 ? 1 : Math.min(1, (1 + extreme) / (resamples + 1));
  return {
    n, baseline: mean(baseline), candidate: mean(candidate), diff,
    ci95: [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)], p, resamples, method: 'paired-bootstrap',
  };
}

export interface MdeOptions {
  /** Number of paired cases. */
  n: number;
  /** Baseline accuracy (0..1). */
  p0: number;
  /** Two-sided significance level (default 0.05). */
  alpha?: number;
  /** Power (default 0.8). */
  power?: number;
  /**
   * Share of cases on which the two runs disagree, ψ = P(b) + P(c). Default 2·p0·(1 − p0), the
   * discordance of two independent runs at accuracy p0: an upper bound for two versions of one model
   * (their errors are positively correlated), so the default is conservative. Pass a measured
   * (b + c)/n from an A/A run or an earlier comparison for a sharper figure.
   */
  discordance?: number;
}

/**
 * Minimum detectable effect of a paired pass/fail comparison: the smallest drop δ in accuracy
 * (proportion, 0..1; 0.03 = 3 points) that a two-sided McNemar test of n cases at level alpha detects
 * with the given power. Normal approximation of McNemar's test with the discordance ψ held fixed
 * (Connor 1987, Biometrics 43:207; Machin et al., Sample Size Tables): a drop δ is detected when
 *   √n·δ = z_{1−α/2}·√ψ + z_{power}·√(ψ − δ²),
 * which is solved for δ by bisection. The drop must be possible: δ ≤ ψ (no negative gains) and
 * (ψ + δ)/2 ≤ p0 (losses come from cases the baseline got right). Infinity when no possible drop is
 * detectable at that size. The exact McNemar test used by `pairedBinary` is a little more
 * conservative than this approximation (simulated: about 76% power, not 80%, at the MDE of 1,000
 * items with 10% discordance), so treat the figure as a slight underestimate.
 */
export function minimumDetectableEffect(opts: MdeOptions): number {
  const { n, p0 } = opts;
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  const psi = opts.discordance ?? 2 * p0 * (1 - p0);
  if (!(n > 0)) throw new RangeError(`n must be positive, got ${n}`);
  if (!(p0 > 0 && p0 <= 1)) throw new RangeError(`p0 must be in (0, 1], got ${p0}`);
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) throw new RangeError('alpha and power must be in (0, 1)');
  if (!(psi > 0 && psi <= 1)) throw new RangeError(`discordance must be in (0, 1], got ${psi}`);
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const maxDrop = Math.min(psi, 2 * p0 - psi);
  if (!(maxDrop > 0)) return Infinity;
  // g(δ) = √n·δ − za·√ψ − zb·√(ψ − δ²) is increasing in δ for zb ≥ 0; for zb < 0 (power < 50%) it
  // can dip, so bisection finds the crossing of the increasing stretch, which is the one that matters.
  const g = (delta: number) => Math.sqrt(n) * delta - za * Math.sqrt(psi) - zb * Math.sqrt(Math.max(0, psi - delta * delta));
  if (g(maxDrop) < 0) return Infinity;
  let lo = 0;
  let hi = maxDrop;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (g(mid) < 0) lo = mid;
    else hi = mid;
  }
  return hi;
}

export interface RegressionOptions {
  /** Largest tolerated drop, in points (0..100) of the 0..100 scale; default 0. */
  maxDrop?: number;
  /** Significance level for the two-sided p-value; default 0.05. */
  alpha?: number;
  /** Seed and resamples for the paired bootstrap (graded scores only); defaults 1 and 2000. */
  seed?: number;
  resamples?: number;
}

export interface RegressionDecision {
  regressed: boolean;
  method: 'mcnemar-exact' | 'paired-bootstrap';
  n: number;
  baseline: number;
  candidate: number;
  /** candidate − baseline, proportion. */
  diff: number;
  /** 100·(baseline − candidate): positive is a drop. */
  dropPoints: number;
  p: number;
  ci95: [number, number];
  reason: string;
}

/**
 * Regression gate for a candidate against a baseline on the same cases. The test is exact McNemar
 * (`pairedBinary`) when every score is 0 or 1, otherwise the paired bootstrap (`pairedBootstrap`).
 * The candidate has regressed exactly when all three hold:
 *   1. it is worse: diff = mean(candidate) − mean(baseline) < 0;
 *   2. the difference is significant: the two-sided p < alpha (so a drop is flagged at one-sided
 *      level alpha/2; pass alpha = 0.10 for a one-sided 5% gate);
 *   3. the drop is larger than tolerated: dropPoints = 100·(baseline − candidate) > maxDrop (compared
 *      with a 1e-9-point allowance, so a drop of exactly maxDrop never regresses through rounding).
 * An improvement, however significant, never regresses; a significant drop within maxDrop passes.
 */
export function regression(baseline: readonly number[], candidate: readonly number[], opts: RegressionOptions = {}): RegressionDecision {
  const maxDrop = opts.maxDrop ?? 0;
  const alpha = opts.alpha ?? 0.05;
  if (!(maxDrop >= 0 && maxDrop <= 100)) throw new RangeError(`maxDrop is in points, 0..100, got ${maxDrop}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  checkAligned(baseline, candidate);
  const binary = [...baseline, ...candidate].every((v) => v === 0 || v === 1);
  const r = binary
    ? pairedBinary(baseline, candidate)
    : pairedBootstrap(baseline, candidate, { seed: opts.seed ?? 1, resamples: opts.resamples ?? 2000 });
  const dropPoints = -100 * r.diff;
  const worse = r.diff < 0;
  const significant = r.p < alpha;
  const beyond = dropPoints > maxDrop + 1e-9;
  const regressed = r.n > 0 && worse && significant && beyond;
  const fmt = (x: number) => x.toFixed(2);
  const reason = r.n === 0
    ? 'no cases to compare'
    : !worse
      ? `candidate not worse (${fmt(-dropPoints)} points)`
      : regressed
        ? `regressed: drop of ${fmt(dropPoints)} points > ${fmt(maxDrop)} allowed, p = ${r.p.toPrecision(3)} < ${alpha}`
        : !significant
          ? `drop of ${fmt(dropPoints)} points not significant (p = ${r.p.toPrecision(3)} ≥ ${alpha})`
          : `significant drop of ${fmt(dropPoints)} points within the ${fmt(maxDrop)} allowed`;
  return { regressed, method: r.method, n: r.n, baseline: r.baseline, candidate: r.candidate, diff: r.diff, dropPoints, p: r.p, ci95: r.ci95, reason };
}
