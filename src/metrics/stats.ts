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
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1];
}
