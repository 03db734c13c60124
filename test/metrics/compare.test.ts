// Paired comparison of two runs: exact McNemar, Newcombe's paired interval, paired bootstrap, the
// minimum detectable effect and the regression gate, with its calibration checked by seeded simulation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mcnemarExact, minimumDetectableEffect, pairedBinary, pairedBootstrap, regression } from '../../src/metrics/compare.ts';
import { normalQuantile, rng } from '../../src/metrics/stats.ts';

import { close, normal, pct } from '../helpers/sim.ts';

/** Paired 0/1 arrays from counts: a both right, b baseline only, c candidate only, d both wrong. */
function fromCounts(a: number, b: number, c: number, d: number): { base: number[]; cand: number[] } {
  const base: number[] = [];
  const cand: number[] = [];
  const push = (k: number, x: number, y: number) => { for (let i = 0; i < k; i++) { base.push(x); cand.push(y); } };
  push(a, 1, 1);
  push(b, 1, 0);
  push(c, 0, 1);
  push(d, 0, 0);
  return { base, cand };
}

/** Two-sided exact McNemar p from exact integer arithmetic (BigInt), for checking the log-space sum. */
function mcnemarBig(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let term = 1n;
  let sum = 1n;
  for (let i = 1; i <= k; i++) {
    term = (term * BigInt(n - i + 1)) / BigInt(i);
    sum += term;
  }
  // 2·sum / 2^n, computed with 60 bits of precision.
  const scaled = (2n * sum << 60n) >> BigInt(n);
  return Math.min(1, Number(scaled) / 2 ** 60);
}

test('mcnemarExact: hand-computed values', () => {
  // b=1, c=9: 2·(C(10,0)+C(10,1))/2^10 = 22/1024.
  assert.ok(close(mcnemarExact(1, 9), 22 / 1024, 1e-15), String(mcnemarExact(1, 9)));
  assert.ok(close(mcnemarExact(1, 9), 0.0215, 1e-4));
  assert.ok(close(mcnemarExact(0, 5), 2 / 32, 1e-15));
  assert.ok(close(mcnemarExact(0, 6), 2 / 64, 1e-15));
  // b=2, c=10: 2·(1 + 12 + 66)/4096.
  assert.ok(close(mcnemarExact(2, 10), 158 / 4096, 1e-15));
  assert.is(mcnemarExact(0, 0), 1);
  assert.is(mcnemarExact(5, 5), 1);
  assert.is(mcnemarExact(3, 4), 1);
  assert.is(mcnemarExact(0, 1), 1);
  assert.throws(() => mcnemarExact(-1, 2), /non-negative integers/);
  assert.throws(() => mcnemarExact(1.5, 2), /non-negative integers/);
});

test('mcnemarExact: agrees with exact integer arithmetic up to thousands of discordant pairs', () => {
  for (const [b, c] of [[3, 17], [20, 40], [45, 55], [100, 140], [300, 360], [1000, 1100], [2400, 2600]]) {
    const want = mcnemarBig(b, c);
    const got = mcnemarExact(b, c);
    assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(want, 1e-300) + 1e-300, `b=${b} c=${c}: ${got} vs ${want}`);
  }
  // Far in the tail the log-space sum stays finite and positive.
  // b=10, c=1000: 2·Σ_{i≤10} C(1010, i)/2^1010 ≈ 1e-280.
  const tiny = mcnemarExact(10, 1000);
  assert.ok(tiny > 0 && tiny < 1e-250, String(tiny));
});

test('property: mcnemarExact is a probability, symmetric in b and c, 1 when b = c, and falls as c moves away from b', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }), (b, c) => {
      const p = mcnemarExact(b, c);
      assert.ok(p >= 0 && p <= 1, String(p));
      assert.is(p, mcnemarExact(c, b));
      assert.is(mcnemarExact(b, b), 1);
      if (c >= b) assert.ok(mcnemarExact(b, c + 1) <= p + 1e-15);
    }),
    { numRuns: 300 },
  );
});

test('pairedBinary: counts, accuracies, difference and the exact McNemar p', () => {
  const { base, cand } = fromCounts(50, 1, 9, 40);
  const r = pairedBinary(base, cand);
  assert.equal([r.n, r.b, r.c], [100, 1, 9]);
  assert.ok(close(r.baseline, 0.51) && close(r.candidate, 0.59) && close(r.diff, 0.08));
  assert.is(r.p, mcnemarExact(1, 9));
  assert.is(r.method, 'mcnemar-exact');
  assert.ok(r.ci95[0] <= r.diff && r.diff <= r.ci95[1]);
});

test('pairedBinary: Newcombe interval matches the worked example of Altman et al. (2000), Table 6.2', () => {
  // 41 pairs: 14 both positive, 5 first only, 0 second only, 22 both negative. Difference (first −
  // second) 5/41 = 0.122, 95% interval 0.0115 to 0.2265 by Newcombe's method 10.
  const { base, cand } = fromCounts(14, 5, 0, 22);
  const r = pairedBinary(base, cand);
  assert.ok(close(r.diff, -5 / 41));
  assert.ok(close(r.ci95[0], -0.2265, 1e-4) && close(r.ci95[1], -0.0115, 1e-4), `${r.ci95}`);
  // Swapping the runs mirrors everything.
  const s = pairedBinary(cand, base);
  assert.ok(close(s.diff, 5 / 41) && close(s.ci95[0], -r.ci95[1], 1e-12) && close(s.ci95[1], -r.ci95[0], 1e-12));
  assert.equal([s.b, s.c], [r.c, r.b]);
  assert.is(s.p, r.p);
});

test('pairedBinary: edge cases', () => {
  const same = pairedBinary([1, 0, 1, 1], [1, 0, 1, 1]);
  assert.equal([same.diff, same.b, same.c, same.p], [0, 0, 0, 1]);
  assert.ok(same.ci95[0] < 0 && same.ci95[1] > 0);
  const ones = pairedBinary([1, 1, 1], [1, 1, 1]);
  assert.ok(ones.ci95[0] >= -1 && ones.ci95[1] <= 1 && ones.ci95[0] < 0);
  const empty = pairedBinary([], []);
  assert.equal([empty.n, empty.p, empty.ci95], [0, 1, [-1, 1]]);
  assert.throws(() => pairedBinary([1, 0], [1]), /same cases/);
  assert.throws(() => pairedBinary([1, 0.5], [1, 0]), /0 or 1/);
});

test('property: pairedBinary — diff has the sign of c − b, lies in its interval, and swapping runs mirrors it', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(0, 1), fc.constantFrom(0, 1)), { minLength: 1, maxLength: 200 }), (rows) => {
      const base = rows.map((r) => r[0]);
      const cand = rows.map((r) => r[1]);
      const r = pairedBinary(base, cand);
      assert.is(Math.sign(r.diff), Math.sign(r.c - r.b));
      assert.ok(r.ci95[0] <= r.diff + 1e-12 && r.diff <= r.ci95[1] + 1e-12, `${r.diff} not in ${r.ci95}`);
      assert.ok(r.ci95[0] >= -1 && r.ci95[1] <= 1);
      assert.ok(r.p >= 0 && r.p <= 1);
      const s = pairedBinary(cand, base);
      assert.ok(close(s.diff, -r.diff, 1e-12) && close(s.ci95[0], -r.ci95[1], 1e-12) && close(s.ci95[1], -r.ci95[0], 1e-12));
    }),
    { numRuns: 300 },
  );
});

/**
 * The run model used by the simulations below. Each item i has a latent easiness z_i ~ N(0,1); a run
 * gets it right when √ρ·z_i + √(1−ρ)·e < Φ⁻¹(accuracy), with e ~ N(0,1) fresh per run. So each item
 * has its own probability of being right, p_i = Φ((Φ⁻¹(acc) − √ρ·z_i)/√(1−ρ)), shared by every run
 * of the same model, and two runs are correlated through the items (latent, tetrachoric correlation ρ).
 * A/A: both runs at the same accuracy (same p_i). A planted drop: the candidate at a lower accuracy,
 * so every item gets a little harder for it, in step with its difficulty for the baseline.
 */
function pairedRuns(rand: () => number, n: number, rho: number, accBase: number, accCand: number): { base: number[]; cand: number[] } {
  const t0 = normalQuantile(accBase);
  const t1 = normalQuantile(accCand);
  const a = Math.sqrt(rho);
  const e = Math.sqrt(1 - rho);
  const base: number[] = new Array(n);
  const cand: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const z = a * normal(rand);
    base[i] = z + e * normal(rand) < t0 ? 1 : 0;
    cand[i] = z + e * normal(rand) < t1 ? 1 : 0;
  }
  return { base, cand };
}

// Assumed correlation between two versions of one model: latent ρ = 0.92. At 80% accuracy this makes
// the runs disagree on about 9% of items (phi ≈ 0.72 between the two 0/1 vectors); two independent runs
// would disagree on 2·0.8·0.2 = 32%. See the power test for how the 80% target depends on it.
const RHO = 0.92;

test('gate calibration: A/A runs (same per-item probabilities) flag a regression in ≤ 5% of 2,000 runs (1,000 items; seeded)', () => {
  const rand = rng(424242);
  const runs = 2000;
  let twoSided = 0;
  let flagged = 0;
  let discordant = 0;
  for (let r = 0; r < runs; r++) {
    const { base, cand } = pairedRuns(rand, 1000, RHO, 0.8, 0.8);
    const pb = pairedBinary(base, cand);
    discordant += (pb.b + pb.c) / pb.n;
    if (pb.p < 0.05) twoSided++;
    if (regression(base, cand, { maxDrop: 0, alpha: 0.05 }).regressed) flagged++;
  }
  console.log(`A/A (rho=${RHO}, acc 0.80, 1,000 items, 2,000 runs): discordance ${pct(discordant / runs)}; two-sided p<0.05 in ${pct(twoSided / runs)}; gate flagged ${pct(flagged / runs)}`);
  assert.ok(twoSided / runs <= 0.05, `two-sided false alarms ${pct(twoSided / runs)}`);
  assert.ok(flagged / runs <= 0.05, `gate false alarms ${pct(flagged / runs)}`);
});

test('gate calibration: a planted 3-point drop (0.80 → 0.77, 1,000 paired items) is flagged in ≥ 80% of 2,000 runs (seeded)', () => {
  const rand = rng(515151);
  const runs = 2000;
  let flagged = 0;
  let discordant = 0;
  let agreeBoth = 0;
  for (let r = 0; r < runs; r++) {
    const { base, cand } = pairedRuns(rand, 1000, RHO, 0.8, 0.77);
    const pb = pairedBinary(base, cand);
    discordant += (pb.b + pb.c) / pb.n;
    agreeBoth += 1 - (pb.b + pb.c) / pb.n;
    if (regression(base, cand, { maxDrop: 0, alpha: 0.05 }).regressed) flagged++;
  }
  const psi = discordant / runs;
  const mde = minimumDetectableEffect({ n: 1000, p0: 0.8, discordance: psi });
  console.log(`planted drop 0.80→0.77 (rho=${RHO}, 1,000 items, 2,000 runs): discordance ${pct(psi)} (agreement ${pct(agreeBoth / runs)}); detected in ${pct(flagged / runs)}; MDE at this discordance ${(100 * mde).toFixed(2)} points; MDE for independent runs ${(100 * minimumDetectableEffect({ n: 1000, p0: 0.8 })).toFixed(2)} points`);
  assert.ok(flagged / runs >= 0.8, `power ${pct(flagged / runs)}`);
  // The formula agrees: at the discordance these runs show, 3 points is about the detectable drop.
  assert.ok(mde > 0.025 && mde < 0.031, `MDE ${mde}`);
});

test('pairedBinary: Newcombe interval covers the true difference in ≥ 93% of 2,000 correlated runs (200 items; seeded)', () => {
  // True difference: accuracies 0.70 and 0.65 by construction.
  const rand = rng(8080);
  let covered = 0;
  for (let r = 0; r < 2000; r++) {
    const { base, cand } = pairedRuns(rand, 200, 0.8, 0.7, 0.65);
    const { ci95 } = pairedBinary(base, cand);
    if (ci95[0] <= -0.05 && -0.05 <= ci95[1]) covered++;
  }
  console.log(`Newcombe paired interval coverage (200 items, rho 0.8, 2,000 runs): ${pct(covered / 2000)}`);
  assert.ok(covered / 2000 >= 0.93 && covered / 2000 <= 0.99, pct(covered / 2000));
});

test('pairedBootstrap: reproducible, independent of case order, and near Newcombe on large binary samples', () => {
  const rand = rng(3);
  const { base, cand } = pairedRuns(rand, 1000, RHO, 0.8, 0.77);
  const a = pairedBootstrap(base, cand, { seed: 17 });
  assert.equal(pairedBootstrap(base, cand, { seed: 17 }), a);
  const order = base.map((_, i) => i).sort((i, j) => (i * 7919) % 1000 - (j * 7919) % 1000);
  assert.equal(pairedBootstrap(order.map((i) => base[i]), order.map((i) => cand[i]), { seed: 17 }), a);
  // Another seed gives another resampling (shown on graded scores, whose bootstrap means rarely tie).
  const g = base.map((x, i) => 0.3 * x + 0.01 * (i % 7));
  const h = cand.map((x, i) => 0.3 * x + 0.013 * (i % 5));
  assert.is.not(pairedBootstrap(g, h, { seed: 18 }).ci95[0], pairedBootstrap(g, h, { seed: 17 }).ci95[0]);
  const nb = pairedBinary(base, cand);
  assert.ok(close(a.diff, nb.diff, 1e-12));
  assert.ok(Math.abs(a.ci95[0] - nb.ci95[0]) < 0.006 && Math.abs(a.ci95[1] - nb.ci95[1]) < 0.006, `${a.ci95} vs ${nb.ci95}`);
  assert.is(a.resamples, 2000);
  assert.is(a.method, 'paired-bootstrap');
});

test('pairedBootstrap: p is 1 for identical runs, small for a clear difference, never 0', () => {
  const xs = [0.2, 0.5, 0.9, 0.4, 0.7];
  const same = pairedBootstrap(xs, xs, { seed: 1 });
  assert.equal([same.diff, same.p, same.ci95], [0, 1, [0, 0]]);
  const rand = rng(4);
  const base = Array.from({ length: 200 }, () => rand());
  const cand = base.map((x) => Math.min(1, x + 0.1 + 0.05 * (rand() - 0.5)));
  const r = pairedBootstrap(base, cand, { seed: 2, resamples: 999 });
  assert.ok(r.diff > 0.08);
  assert.is(r.p, 1 / 1000);
  assert.ok(r.ci95[0] > 0);
  assert.throws(() => pairedBootstrap([1], [1, 0], { seed: 1 }), /same cases/);
  assert.equal(pairedBootstrap([], [], { seed: 1 }).p, 1);
});

test('property: pairedBootstrap diff is mean(candidate) − mean(baseline), changes sign when the runs swap, and p is in (0, 1]', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 2, maxLength: 40 }), fc.nat(), (rows, seed) => {
      const base = rows.map((r) => r[0]);
      const cand = rows.map((r) => r[1]);
      const r = pairedBootstrap(base, cand, { seed, resamples: 200 });
      const s = pairedBootstrap(cand, base, { seed, resamples: 200 });
      assert.ok(close(r.diff, r.candidate - r.baseline, 1e-9));
      assert.ok(close(s.diff, -r.diff, 1e-12));
      assert.ok(r.p > 0 && r.p <= 1);
      assert.ok(r.ci95[0] <= r.ci95[1]);
    }),
    { numRuns: 150 },
  );
});

test('gate calibration, graded scores: A/A through the paired bootstrap flags ≤ 5% of 400 runs (300 items; seeded)', () => {
  // Graded 0..1 scores: item quality q_i = Φ-like logistic of a latent easiness shared by both runs, plus run noise.
  const rand = rng(6060);
  const runs = 400;
  let twoSided = 0;
  let flagged = 0;
  const logistic = (x: number) => 1 / (1 + Math.exp(-x));
  for (let r = 0; r < runs; r++) {
    const base: number[] = [];
    const cand: number[] = [];
    for (let i = 0; i < 300; i++) {
      const z = 1.2 + 1.5 * normal(rand);
      base.push(logistic(z + 0.6 * normal(rand)));
      cand.push(logistic(z + 0.6 * normal(rand)));
    }
    const d = regression(base, cand, { alpha: 0.05, seed: r, resamples: 1000 });
    assert.is(d.method, 'paired-bootstrap');
    if (d.p < 0.05) twoSided++;
    if (d.regressed) flagged++;
  }
  console.log(`A/A graded scores (paired bootstrap, 300 items, 400 runs): two-sided p<0.05 in ${pct(twoSided / runs)}; gate flagged ${pct(flagged / runs)}`);
  assert.ok(flagged / runs <= 0.05, `gate ${pct(flagged / runs)}`);
  assert.ok(twoSided / runs <= 0.08, `two-sided ${pct(twoSided / runs)}`);
});

test('minimumDetectableEffect: inverts the McNemar sample-size formula (Connor 1987)', () => {
  const za = normalQuantile(0.975);
  const zb = normalQuantile(0.8);
  for (const [n, p0, psi] of [[1000, 0.8, 0.1], [500, 0.6, 0.2], [2000, 0.9, 0.05], [300, 0.5, 0.5]] as const) {
    const d = minimumDetectableEffect({ n, p0, discordance: psi });
    const nBack = (za * Math.sqrt(psi) + zb * Math.sqrt(psi - d * d)) ** 2 / (d * d);
    assert.ok(close(nBack, n, 1e-6 * n), `n=${n}: ${nBack}`);
  }
  // Default discordance 2·p0·(1−p0) (independent runs): 1,000 items at 80% detect a 5.0-point drop.
  const def = minimumDetectableEffect({ n: 1000, p0: 0.8 });
  assert.is(def, minimumDetectableEffect({ n: 1000, p0: 0.8, discordance: 2 * 0.8 * (1 - 0.8) }));
  assert.ok(close(def, minimumDetectableEffect({ n: 1000, p0: 0.8, discordance: 0.32 }), 1e-9));
  assert.ok(close(def, 0.0501, 5e-4), String(def));
  // 10% discordance: 2.8 points.
  assert.ok(close(minimumDetectableEffect({ n: 1000, p0: 0.8, discordance: 0.1 }), 0.028, 5e-4));
});

test('minimumDetectableEffect: limits and validation', () => {
  assert.is(minimumDetectableEffect({ n: 5, p0: 0.8, discordance: 0.05 }), Infinity);
  assert.throws(() => minimumDetectableEffect({ n: 0, p0: 0.8 }), /n must be positive/);
  assert.throws(() => minimumDetectableEffect({ n: 10, p0: 1.2 }), /p0/);
  assert.throws(() => minimumDetectableEffect({ n: 10, p0: 0.5, alpha: 0 }), /alpha and power/);
  assert.throws(() => minimumDetectableEffect({ n: 10, p0: 0.5, discordance: 0 }), /discordance/);
});

test('property: minimumDetectableEffect falls with n and alpha, rises with discordance and power', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 50, max: 20000 }), fc.double({ min: 0.3, max: 0.95, noNaN: true }), fc.double({ min: 0.02, max: 0.4, noNaN: true }),
      (n, p0, psi) => {
        const d = minimumDetectableEffect({ n, p0, discordance: psi });
        if (!Number.isFinite(d)) return;
        assert.ok(d > 0 && d <= psi);
        assert.ok(minimumDetectableEffect({ n: n * 2, p0, discordance: psi }) < d);
        assert.ok(minimumDetectableEffect({ n, p0, discordance: psi, alpha: 0.1 }) < d);
        assert.ok(minimumDetectableEffect({ n, p0, discordance: psi, power: 0.9 }) > d);
        const wider = minimumDetectableEffect({ n, p0, discordance: psi * 1.2 });
        assert.ok(wider > d || wider === Infinity);
      },
    ),
    { numRuns: 300 },
  );
});

test('minimumDetectableEffect: simulated exact-McNemar power at the MDE is near 80% (seeded)', () => {
  // Discordant pairs drawn directly: loss with probability (ψ+δ)/2, gain with (ψ−δ)/2.
  const n = 1000;
  const psi = 0.1;
  const delta = minimumDetectableEffect({ n, p0: 0.8, discordance: psi });
  const rand = rng(99);
  let hits = 0;
  for (let r = 0; r < 2000; r++) {
    let b = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const u = rand();
      if (u < (psi + delta) / 2) b++;
      else if (u < psi) c++;
    }
    if (mcnemarExact(b, c) < 0.05) hits++;
  }
  console.log(`power of exact McNemar at the MDE (${(100 * delta).toFixed(2)} points, discordance 10%, 1,000 items): ${pct(hits / 2000)}`);
  assert.ok(hits / 2000 > 0.74 && hits / 2000 < 0.86, pct(hits / 2000));
});

test('regression: the three conditions, exactly', () => {
  // 1,000 items, baseline 80%, candidate 75%: b = 60 losses, c = 10 gains, a 5-point drop.
  const drop = fromCounts(740, 60, 10, 190);
  const d = regression(drop.base, drop.cand);
  assert.ok(d.regressed);
  assert.is(d.method, 'mcnemar-exact');
  assert.ok(close(d.dropPoints, 5, 1e-9));
  assert.ok(d.p < 1e-6);
  assert.match(d.reason, /^regressed: drop of 5\.00 points > 0\.00 allowed/);
  // The same drop within a tolerance of 5 points passes (strictly greater is needed), and fails at 4.9.
  assert.not.ok(regression(drop.base, drop.cand, { maxDrop: 5 }).regressed);
  assert.match(regression(drop.base, drop.cand, { maxDrop: 5 }).reason, /significant drop of 5\.00 points within the 5\.00 allowed/);
  assert.ok(regression(drop.base, drop.cand, { maxDrop: 4.9 }).regressed);
  // A small drop that is not significant.
  const small = fromCounts(790, 12, 8, 190);
  const s = regression(small.base, small.cand);
  assert.not.ok(s.regressed);
  assert.match(s.reason, /not significant/);
  // The same table read the other way is an improvement: never a regression, however significant.
  const up = regression(drop.cand, drop.base);
  assert.not.ok(up.regressed);
  assert.ok(up.p < 1e-6 && up.dropPoints < 0);
  assert.match(up.reason, /candidate not worse/);
  // alpha is a threshold on the two-sided p.
  const mid = fromCounts(700, 30, 14, 256);
  const pm = pairedBinary(mid.base, mid.cand).p;
  assert.ok(pm > 0.01 && pm < 0.05, String(pm));
  assert.ok(regression(mid.base, mid.cand, { alpha: 0.05 }).regressed);
  assert.not.ok(regression(mid.base, mid.cand, { alpha: 0.01 }).regressed);
});

test('regression: graded scores use the paired bootstrap; validation', () => {
  const base = [0.9, 0.8, 0.85, 0.95, 0.7, 0.9, 0.88, 0.92, 0.81, 0.86];
  const cand = base.map((x) => x - 0.2);
  const d = regression(base, cand, { seed: 3 });
  assert.is(d.method, 'paired-bootstrap');
  assert.ok(d.regressed);
  assert.ok(close(d.dropPoints, 20, 1e-9));
  assert.equal(regression(base, cand, { seed: 3 }), d);
  assert.throws(() => regression(base, cand, { maxDrop: 150 }), /points, 0\.\.100/);
  assert.throws(() => regression(base, cand, { alpha: 1 }), /alpha/);
  assert.throws(() => regression([1], [1, 0]), /same cases/);
  const none = regression([], []);
  assert.not.ok(none.regressed);
  assert.is(none.reason, 'no cases to compare');
});

test.run();
