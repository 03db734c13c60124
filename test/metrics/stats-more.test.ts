// Seeded PRNG, normal quantile, bootstrap and cluster-robust means; coverage checked by seeded,
// deterministic simulation. Figures are printed so that a run shows what was measured.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { bootstrapMean, clusteredMean, meanInterval, normalQuantile, quantileSorted, rng, tQuantile975, wilson } from '../../src/metrics/stats.ts';

import { close, exactCoverage, normal, pct } from '../helpers/sim.ts';

/** Gamma(k, 1) for a whole k: a sum of k exponentials. */
function gammaInt(rand: () => number, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) {
    let u = rand();
    while (u === 0) u = rand();
    s -= Math.log(u);
  }
  return s;
}

/** Beta(a, b) for whole a, b, as G_a / (G_a + G_b). */
function beta(rand: () => number, a: number, b: number): number {
  const x = gammaInt(rand, a);
  return x / (x + gammaInt(rand, b));
}

test('rng: xoshiro128** seeded by splitmix32 matches the C reference implementation', () => {
  // First six 32-bit outputs, from Blackman & Vigna's xoshiro128starstar.c with the state filled by
  // four splitmix32 steps (x += 0x9e3779b9; murmur3 fmix32), compiled with gcc.
  const expected: Record<number, number[]> = {
    0: [3809008728, 1133695204, 53579671, 2891528803, 139681546, 2203266335],
    42: [2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290],
    4294967295: [835879718, 1921286648, 2356205009, 1885780724, 980451116, 1053911718],
  };
  for (const [seed, outs] of Object.entries(expected)) {
    const r = rng(Number(seed));
    assert.equal(outs.map(() => r() * 4294967296), outs, `seed ${seed}`);
  }
});

test('rng: deterministic per seed, seeds taken mod 2^32, values in [0,1) and uniform', () => {
  const a = rng(7);
  const b = rng(7);
  const xs = Array.from({ length: 100000 }, () => a());
  for (const x of xs.slice(0, 100)) assert.is(b(), x);
  assert.is(rng(2 ** 32 + 5)(), rng(5)());
  assert.is.not(rng(8)(), rng(7)());
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  // Chi-square over 20 equal bins: 19 df, the 99.9% point is 43.8.
  const bins = new Array(20).fill(0);
  for (const x of xs) bins[Math.floor(x * 20)]++;
  const e = xs.length / 20;
  const chi2 = bins.reduce((s, o) => s + (o - e) ** 2 / e, 0);
  assert.ok(chi2 < 43.8, `chi-square ${chi2}`);
  // Lag-1 correlation near 0.
  let sxy = 0;
  for (let i = 1; i < xs.length; i++) sxy += (xs[i] - 0.5) * (xs[i - 1] - 0.5);
  assert.ok(Math.abs(sxy / (xs.length - 1) / (1 / 12)) < 0.02);
});

test('normalQuantile: known values, symmetry, ends', () => {
  assert.ok(close(normalQuantile(0.975), 1.959963984540054, 1e-8));
  assert.ok(close(normalQuantile(0.8), 0.8416212335729143, 1e-8));
  assert.ok(close(normalQuantile(0.5), 0, 1e-12));
  assert.ok(close(normalQuantile(0.001), -3.090232306167813, 1e-7));
  assert.ok(close(normalQuantile(1e-10), -6.361340902404056, 1e-6));
  assert.is(normalQuantile(0), -Infinity);
  assert.is(normalQuantile(1), Infinity);
  assert.ok(Number.isNaN(normalQuantile(1.5)));
  fc.assert(fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), (p) => close(normalQuantile(p), -normalQuantile(1 - p), 1e-8 * (1 + Math.abs(normalQuantile(p))))));
});

test('quantileSorted: type 7 interpolation', () => {
  const xs = [1, 2, 3, 4, 5];
  assert.is(quantileSorted(xs, 0), 1);
  assert.is(quantileSorted(xs, 1), 5);
  assert.is(quantileSorted(xs, 0.5), 3);
  assert.ok(close(quantileSorted(xs, 0.1), 1.4));
  assert.ok(close(quantileSorted([10, 20], 0.25), 12.5));
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

// Wilson's coverage oscillates with p and n (it dips to 93.3–93.7% at p = 0.1/0.15/0.3 and n = 100,
// 93.0% at p = 0.3, n = 30). The p chosen here have exact coverage ≥ 94.7% at n = 30, 100 and 1,000:
//   p = 0.25: 96.78 / 95.13 / 94.71 %   p = 0.40: 96.16 / 94.81 / 95.11 %   (0.60 and 0.75 mirror them)
const WILSON_P = [0.25, 0.4, 0.6, 0.75];
const WILSON_N = [30, 100, 1000];

test('wilson: exact coverage ≥ 94% at the p and n simulated below', () => {
  for (const p of WILSON_P) for (const n of WILSON_N) {
    const cov = exactCoverage(p, n);
    assert.ok(cov >= 0.94, `p=${p} n=${n}: exact ${pct(cov)}`);
  }
});

test('wilson: covers the true rate in ≥ 94% of 2,000 simulated runs (n = 30, 100, 1,000; seeded)', () => {
  const rand = rng(20240601);
  const runs = 2000;
  const lines: string[] = [];
  for (const p of WILSON_P) for (const n of WILSON_N) {
    let covered = 0;
    for (let r = 0; r < runs; r++) {
      let k = 0;
      for (let i = 0; i < n; i++) if (rand() < p) k++;
      const [lo, hi] = wilson(k, n);
      if (lo <= p && p <= hi) covered++;
    }
    const cov = covered / runs;
    lines.push(`p=${p} n=${n}: ${pct(cov)} (exact ${pct(exactCoverage(p, n))})`);
    assert.ok(cov >= 0.94, `coverage too low: ${lines.at(-1)}`);
    assert.ok(cov <= 0.995, `coverage suspiciously high: ${lines.at(-1)}`);
  }
  console.log(`wilson coverage, 2,000 runs each:\n  ${lines.join('\n  ')}`);
});

test('bootstrapMean: covers a Beta(2,5) mean in ≥ 93% of 2,000 runs at n = 100 (2,000 resamples; seeded)', () => {
  // Scores from Beta(2, 5): bounded, skewed (mean 2/7 ≈ 0.286, sd ≈ 0.160), like graded 0..1 scores.
  const truth = 2 / 7;
  const rand = rng(31337);
  const runs = 2000;
  let covered = 0;
  let tCovered = 0;
  for (let r = 0; r < runs; r++) {
    const xs = Array.from({ length: 100 }, () => beta(rand, 2, 5));
    const { ci } = bootstrapMean(xs, { seed: 100000 + r });
    if (ci[0] <= truth && truth <= ci[1]) covered++;
    const t = meanInterval(xs).ci;
    if (t[0] <= truth && truth <= t[1]) tCovered++;
  }
  console.log(`bootstrapMean coverage, Beta(2,5), n=100, 2,000 runs: ${pct(covered / runs)} (t interval on the same data: ${pct(tCovered / runs)})`);
  assert.ok(covered / runs >= 0.93, `bootstrap coverage ${pct(covered / runs)}`);
  assert.ok(covered / runs <= 0.99, `bootstrap coverage ${pct(covered / runs)}`);
});

test('bootstrapMean: reproducible for a seed, independent of value order, different for another seed', () => {
  const rand = rng(5);
  const xs = Array.from({ length: 60 }, () => beta(rand, 3, 2));
  const a = bootstrapMean(xs, { seed: 11 });
  const b = bootstrapMean([...xs].reverse(), { seed: 11 });
  assert.equal(a, b);
  assert.equal(bootstrapMean(xs, { seed: 11 }), a);
  const c = bootstrapMean(xs, { seed: 12 });
  assert.is.not(c.ci[0], a.ci[0]);
  assert.is(a.resamples, 2000);
  assert.is(a.method, 'bootstrap-percentile');
  assert.is(bootstrapMean(xs, { seed: 11, resamples: 500 }).resamples, 500);
  // Close to the t interval for a sample of this size.
  const t = meanInterval(xs).ci;
  assert.ok(Math.abs(a.ci[0] - t[0]) < 0.02 && Math.abs(a.ci[1] - t[1]) < 0.02, `${a.ci} vs ${t}`);
});

test('bootstrapMean: edge cases', () => {
  assert.equal(bootstrapMean([], { seed: 1 }).ci, [0, 1]);
  assert.ok(Number.isNaN(bootstrapMean([], { seed: 1 }).mean));
  assert.equal(bootstrapMean([0.4], { seed: 1 }), { mean: 0.4, ci: [0, 1], resamples: 2000, method: 'bootstrap-percentile' });
  assert.equal(bootstrapMean([0.3, 0.3, 0.3], { seed: 1 }).ci, [0.3, 0.3]);
  assert.throws(() => bootstrapMean([0.1, 0.2], { seed: 1, resamples: 0 }), /resamples/);
});

test('property: bootstrapMean interval is ordered, lies within [min, max] of the values, and its mean is the plain mean', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 30 }), fc.nat(), (xs, seed) => {
      const { mean: m, ci } = bootstrapMean(xs, { seed, resamples: 200 });
      assert.ok(ci[0] >= Math.min(...xs) - 1e-12 && ci[1] <= Math.max(...xs) + 1e-12);
      assert.ok(ci[0] <= ci[1]);
      assert.is(m, meanInterval(xs).mean);
    }),
    { numRuns: 200 },
  );
});

test('clusteredMean: one case per cluster gives exactly the plain s/√n and the t interval (CR1 factor G/(G−1))', () => {
  const rand = rng(9);
  const xs = Array.from({ length: 25 }, () => rand());
  const c = clusteredMean(xs, xs.map((_, i) => i));
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = Math.sqrt(xs.reduce((a, v) => a + (v - m) ** 2, 0) / (xs.length - 1));
  assert.ok(close(c.se, s / Math.sqrt(xs.length), 1e-12), `${c.se} vs ${s / Math.sqrt(xs.length)}`);
  assert.is(c.df, 24);
  assert.is(c.clusters, 25);
  const t = meanInterval(xs);
  assert.ok(close(c.ci[0], t.ci[0], 1e-12) && close(c.ci[1], t.ci[1], 1e-12));
  // CR0 (no G/(G−1) factor) would be smaller by √((n−1)/n).
  const cr0 = c.se * Math.sqrt((xs.length - 1) / xs.length);
  assert.ok(cr0 < c.se);
});

test('clusteredMean: hand-computed example', () => {
  // Clusters A = [1, 1], B = [0, 0], C = [1, 0]; mean 0.5; cluster residual sums 1, −1, 0; meat 2;
  // CR1 se = √(3/2 · 2)/6 = √3/6 ≈ 0.2887, larger than the plain √(0.3/6) ≈ 0.2236 because cases agree within a cluster.
  const r = clusteredMean([1, 1, 0, 0, 1, 0], ['A', 'A', 'B', 'B', 'C', 'C'], { clip: false });
  assert.ok(close(r.mean, 0.5));
  assert.ok(close(r.se, Math.sqrt(3) / 6, 1e-12));
  assert.is(r.df, 2);
  assert.ok(close(r.ci[0], 0.5 - tQuantile975(2) * (Math.sqrt(3) / 6)) && close(r.ci[1], 0.5 + tQuantile975(2) * (Math.sqrt(3) / 6)));
  assert.equal(clusteredMean([1, 1, 0, 0, 1, 0], ['A', 'A', 'B', 'B', 'C', 'C']).ci, [0, 1], 'clipped to [0,1] by default');
});

test('clusteredMean: edge cases and order independence', () => {
  assert.throws(() => clusteredMean([1, 0], ['a']), /same length/);
  const one = clusteredMean([1, 0, 1], ['a', 'a', 'a']);
  assert.ok(Number.isNaN(one.se));
  assert.equal(one.ci, [0, 1]);
  assert.ok(Number.isNaN(clusteredMean([], []).mean));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 6 })), { minLength: 2, maxLength: 40 }), fc.nat(), (rows, seed) => {
      const rand = rng(seed);
      const shuffled = rows.map((r) => [rand(), r] as const).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
      const a = clusteredMean(rows.map((r) => r[0]), rows.map((r) => r[1]));
      const b = clusteredMean(shuffled.map((r) => r[0]), shuffled.map((r) => r[1]));
      assert.equal(a, b);
    }),
    { numRuns: 200 },
  );
});

test('clusteredMean: covers the true rate with clustered cases where a per-case interval does not (seeded)', () => {
  // 40 base cases, each with 5 variants (paraphrases) that share the base case's difficulty: a variant
  // is right when u_g + e < t, u_g ~ N(0, 0.8²) per base case, e ~ N(0, 1) per variant. True accuracy
  // Φ(t/√(1 + 0.64)) = 0.70 for t = Φ⁻¹(0.70)·√1.64.
  const sigma = 0.8;
  const t = normalQuantile(0.7) * Math.sqrt(1 + sigma * sigma);
  const rand = rng(777);
  const runs = 2000;
  let clustered = 0;
  let plain = 0;
  for (let r = 0; r < runs; r++) {
    const values: number[] = [];
    const clusters: number[] = [];
    for (let g = 0; g < 40; g++) {
      const u = sigma * normal(rand);
      for (let v = 0; v < 5; v++) {
        values.push(u + normal(rand) < t ? 1 : 0);
        clusters.push(g);
      }
    }
    const c = clusteredMean(values, clusters).ci;
    if (c[0] <= 0.7 && 0.7 <= c[1]) clustered++;
    const k = values.reduce((a, b) => a + b, 0);
    const w = wilson(k, values.length);
    if (w[0] <= 0.7 && 0.7 <= w[1]) plain++;
  }
  console.log(`clusteredMean coverage, 40 clusters x 5, 2,000 runs: ${pct(clustered / runs)} (Wilson per case, ignoring clusters: ${pct(plain / runs)})`);
  assert.ok(clustered / runs >= 0.93, `clustered ${pct(clustered / runs)}`);
  assert.ok(plain / runs < 0.9, `the per-case interval should undercover here: ${pct(plain / runs)}`);
});

test.run();
