/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** Wilson score interval for k successes out of n (95%). [0,1] when n = 0. */
export function wilson(k: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Two-sided 97.5% Student t quantile for df degrees of freedom (Hill's approximation). */
export function tQuantile975(df: number): number {
  if (df <= 0) return Infinity;
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
  if (df <= table.length) return table[df - 1];
  const g = Z95;
  return g + (g ** 3 + g) / (4 * df) + (5 * g ** 5 + 16 * g ** 3 + 3 * g) / (96 * df * df);
}

/**
 * Arithmetic mean, summed in ascending order so that the same values in any order give the same
 * result bit for bit (floating-point addition is not associative). NaN when empty.
 */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  // A sum of integers (pass/fail scores) is exact in any order; other values are summed sorted.
  let sum = 0;
  let integers = true;
  for (const v of values) {
    sum += v;
    if (integers && !Number.isInteger(v)) integers = false;
  }
  if (integers) return sum / values.length;
  return [...values].sort((a, b) => a - b).reduce((a, b) => a + b, 0) / values.length;
}

/** Mean with a 95% t interval clipped to [0,1]. Independent of the order of `values`. */
export function meanInterval(values: number[]): { mean: number; ci: [number, number] } {
  const n = values.length;
  if (n === 0) return { mean: NaN, ci: [0, 1] };
  const sorted = [...values].sort((a, b) => a - b);
  const m = sorted.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean: m, ci: [0, 1] };
  const variance = sorted.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1);
  const half = tQuantile975(n - 1) * Math.sqrt(variance / n);
  return { mean: m, ci: [Math.max(0, m - half), Math.min(1, m + half)] };
}

/** Mean and 95% interval: Wilson when every value is 0 or 1, else t. */
export function summarize(values: number[]): { mean: number; ci: [number, number]; method: 'wilson' | 't' } {
  const binary = values.every((v) => v === 0 || v === 1);
  if (binary) {
    const k = values.reduce((a: number, b) => a + b, 0);
    return { mean: values.length ? k / values.length : NaN, ci: wilson(k, values.length), method: 'wilson' };
  }
  return { ...meanInterval(values), method: 't' };
}

/** Nearest-rank percentile (p in 0..100) of numbers. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  return percentileSorted([...xs].sort((a, b) => a - b), p);
}

/** Nearest-rank percentile (p in 0..100) of numbers already sorted ascending (undefined when empty). */
export function percentileSorted(sorted: readonly number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

/** Median of numbers: the middle one, or the mean of the two middle ones (NaN when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Seeded PRNG: xoshiro128** (Blackman & Vigna), its 128-bit state filled from the seed by four
 * outputs of a splitmix32 step (golden-ratio increment, murmur3 fmix32 finaliser), so no seed gives
 * the all-zero state. Returns a function giving uniform numbers in [0, 1) with 32 random bits each.
 * The same seed always gives the same sequence; seeds are taken as unsigned 32-bit integers.
 * (Chosen over mulberry32, whose 32-bit state showed more seed-to-seed spread than binomial in
 * coverage simulations.)
 */
export function rng(seed: number): () => number {
  let x = seed >>> 0;
  const splitmix32 = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix32();
  let s1 = splitmix32();
  let s2 = splitmix32();
  let s3 = splitmix32();
  return () => {
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result / 4294967296;
  };
}

/**
 * Standard normal quantile Φ⁻¹(p) for p in (0, 1) (Acklam's rational approximation, relative
 * error below 1.2e-9). ±Infinity at 0 and 1, NaN outside [0, 1].
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lowTail = 0.02425;
  if (p < lowTail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lowTail) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Quantile q in [0,1] of an ascending array, interpolated linearly between order statistics (Hyndman–Fan type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface BootstrapOptions {
  /** PRNG seed; the same seed and the same values (in any order) give the same interval. */
  seed: number;
  /** Number of bootstrap resamples (default 2000). */
  resamples?: number;
}

/**
 * Sorted means of `resamples` bootstrap resamples (with replacement) of `values`, drawn with the
 * seeded generator: the same values, seed and count give the same means.
 */
export function resampledMeans(values: readonly number[], seed: number, resamples: number): number[] {
  const n = values.length;
  const rand = rng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[Math.floor(rand() * n)];
    means[r] = s / n;
  }
  means.sort();
  return Array.from(means);
}

/**
 * Mean with a 95% percentile-bootstrap interval (the 2.5% and 97.5% quantiles, type 7, of the means
 * of `resamples` resamples drawn with replacement). Meant for bounded continuous scores (0..1), where
 * a t interval can spill past the bounds and assumes symmetry. The values are sorted before
 * resampling, so the result does not depend on their order. Fewer than two values give [0, 1]
 * (no information), as `meanInterval` does.
 */
export function bootstrapMean(values: readonly number[], opts: BootstrapOptions): { mean: number; ci: [number, number]; resamples: number; method: 'bootstrap-percentile' } {
  const resamples = opts.resamples ?? 2000;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  const n = values.length;
  const m = mean(values);
  if (n < 2) return { mean: m, ci: [0, 1], resamples, method: 'bootstrap-percentile' };
  const sorted = resampledMeans([...values].sort((a, b) => a - b), opts.seed, resamples);
  return { mean: m, ci: [quantileSorted(sorted, 0.025), quantileSorted(sorted, 0.975)], resamples, method: 'bootstrap-percentile' };
}

export interface ClusteredMean {
  mean: number;
  /** Cluster-robust standard error (CR1). NaN with fewer than two clusters. */
  se: number;
  /** 95% interval: mean ± t(0.975, G−1)·se, clipped to [0, 1] unless `clip` is false; [0, 1] with fewer than two clusters. */
  ci: [number, number];
  n: number;
  clusters: number;
  df: number;
}

/**
 * Mean of values that come in clusters (cases sharing a base case or a context, e.g. the
 * paraphrases of one question), with a cluster-robust (Liang–Zeger sandwich) standard error.
 *
 * For a mean (an intercept-only regression, k = 1) the sandwich is Σ_g (Σ_{i∈g} (y_i − ȳ))² / N²,
 * and CR1 multiplies it by G/(G−1)·(N−1)/(N−k) = G/(G−1). The interval uses Student t with G−1
 * degrees of freedom. With one case per cluster (G = N) CR1 equals the ordinary s/√N exactly: CR0
 * would be smaller by the factor √((N−1)/N).
 */
export function clusteredMean(values: readonly number[], clusters: readonly (string | number)[], opts: { clip?: boolean } = {}): ClusteredMean {
  if (values.length !== clusters.length) throw new RangeError(`values (${values.length}) and clusters (${clusters.length}) must have the same length`);
  const n = values.length;
  const m = mean(values);
  const groups = new Map<string | number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = groups.get(clusters[i]);
    if (list) list.push(values[i] - m);
    else groups.set(clusters[i], [values[i] - m]);
  }
  const g = groups.size;
  if (n === 0 || g < 2) return { mean: m, se: NaN, ci: [0, 1], n, clusters: g, df: Math.max(0, g - 1) };
  // Sum each cluster's residuals sorted and the squares sorted, so the order of cases and clusters does not matter.
  const sq: number[] = [];
  for (const res of groups.values()) {
    const s = res.sort((a, b) => a - b).reduce((a, b) => a + b, 0);
    sq.push(s * s);
  }
  const meat = sq.sort((a, b) => a - b).reduce((a, b) => a + b, 0);
  const se = Math.sqrt((g / (g - 1)) * meat) / n;
  const half = tQuantile975(g - 1) * se;
  const clip = opts.clip ?? true;
  const ci: [number, number] = clip ? [Math.max(0, m - half), Math.min(1, m + half)] : [m - half, m + half];
  return { mean: m, se, ci, n, clusters: g, df: g - 1 };
}
