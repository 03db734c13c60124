import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { wilson, tQuantile975, mean, meanInterval, summarize, percentile, rng } from '../../src/metrics/stats.ts';
import { close, exactCoverage } from '../helpers/sim.ts';

test('wilson: known values', () => {
  // 8/10: Wilson 95% = [0.4902, 0.9433] (textbook value).
  const [lo, hi] = wilson(8, 10);
  assert.ok(close(lo, 0.4902, 1e-4), `lo ${lo}`);
  assert.ok(close(hi, 0.9433, 1e-4), `hi ${hi}`);
  assert.equal(wilson(0, 0), [0, 1]);
  const [lo0, hi0] = wilson(0, 20);
  assert.is(lo0, 0);
  assert.ok(hi0 > 0 && hi0 < 0.2);
  const [lo1, hi1] = wilson(20, 20);
  assert.ok(lo1 > 0.8 && lo1 < 1);
  assert.ok(close(hi1, 1));
});

test('wilson: symmetric in successes and failures', () => {
  const [lo, hi] = wilson(3, 17);
  const [lo2, hi2] = wilson(14, 17);
  assert.ok(close(lo, 1 - hi2) && close(hi, 1 - lo2));
});

test('property: wilson contains p̂ and lies within [0,1]', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))), ([k, n]) => {
      const [lo, hi] = wilson(k, n);
      const p = k / n;
      assert.ok(lo >= 0 && hi <= 1, `[${lo}, ${hi}]`);
      assert.ok(lo <= p + 1e-12 && p <= hi + 1e-12, `${p} not in [${lo}, ${hi}]`);
      assert.ok(lo < hi);
    }),
    { numRuns: 1000 },
  );
});

test('property: wilson narrows as n grows at the same p̂', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 2, max: 50 }), (n, share, factor) => {
      const k = Math.round((share / 20) * n);
      const [lo, hi] = wilson(k, n);
      const [lo2, hi2] = wilson(k * factor, n * factor);
      assert.ok(hi2 - lo2 < hi - lo, `n=${n} k=${k} x${factor}: ${hi2 - lo2} !< ${hi - lo}`);
    }),
    { numRuns: 500 },
  );
});

// Wilson dips at p = 0.1 / 0.9, n = 100 to 93.6%: the exact figure is the check that does not depend
// on luck (test/metrics/stats-more.test.ts simulates where it is ≥ 94%).
test('wilson: exact 95% coverage for p in {0.1, 0.5, 0.9} and n in {30, 100, 1000}', () => {
  for (const p of [0.1, 0.5, 0.9]) {
    for (const n of [30, 100, 1000]) {
      const cov = exactCoverage(p, n);
      assert.ok(cov >= 0.93 && cov <= 0.99, `p=${p} n=${n}: exact coverage ${(100 * cov).toFixed(2)}%`);
    }
  }
  // A naive (Wald) interval would fail this at p = 0.1, n = 30: the check can tell the difference.
  const wald = (k: number, n: number) => {
    const q = k / n;
    const h = 1.96 * Math.sqrt((q * (1 - q)) / n);
    return [q - h, q + h];
  };
  const waldCov = exactCoverage(0.1, 30, wald);
  assert.ok(waldCov < 0.93, `wald coverage ${waldCov}`);
});

test('tQuantile975: table, approximation and limit', () => {
  assert.is(tQuantile975(1), 12.706);
  assert.is(tQuantile975(10), 2.228);
  assert.ok(close(tQuantile975(11), 2.201, 5e-3), String(tQuantile975(11)));
  assert.ok(close(tQuantile975(30), 2.042, 5e-3), String(tQuantile975(30)));
  assert.ok(close(tQuantile975(120), 1.980, 5e-3), String(tQuantile975(120)));
  assert.ok(close(tQuantile975(1e9), 1.959964, 1e-5));
  assert.is(tQuantile975(0), Infinity);
  for (let df = 1; df < 200; df++) assert.ok(tQuantile975(df + 1) < tQuantile975(df), `not decreasing at ${df}`);
});

test('meanInterval: mean, t interval, clipping, edge cases', () => {
  const { mean: m, ci } = meanInterval([0.2, 0.4, 0.6]);
  assert.ok(close(m, 0.4));
  // sd = 0.2, se = 0.2/sqrt(3), t(2) = 4.303.
  const half = (4.303 * 0.2) / Math.sqrt(3);
  assert.ok(close(ci[0], Math.max(0, 0.4 - half)) && close(ci[1], Math.min(1, 0.4 + half)));
  assert.equal(meanInterval([0.5]), { mean: 0.5, ci: [0, 1] });
  const empty = meanInterval([]);
  assert.ok(Number.isNaN(empty.mean));
  assert.equal(empty.ci, [0, 1]);
  const same = meanInterval([0.7, 0.7, 0.7, 0.7]);
  assert.ok(close(same.mean, 0.7) && close(same.ci[0], 0.7) && close(same.ci[1], 0.7));
});

test('property: meanInterval contains the mean, within [0,1], and ignores order', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 40 }), fc.nat(), (xs, seed) => {
      const { mean: m, ci } = meanInterval(xs);
      assert.ok(ci[0] >= 0 && ci[1] <= 1);
      assert.ok(ci[0] <= m + 1e-12 && m <= ci[1] + 1e-12);
      const rand = rng(seed);
      const shuffled = [...xs].sort(() => rand() - 0.5);
      assert.equal(meanInterval(shuffled), meanInterval(xs), 'the same values in another order give the same figures, bit for bit');
      assert.is(mean(shuffled), mean(xs));
      assert.is(mean(xs), meanInterval(xs).mean);
    }),
    { numRuns: 300 },
  );
});

test('mean: plain values, empty, and [0.1, 0.2, 0.3] in either order', () => {
  assert.is(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(mean([])));
  // Left to right, 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit.
  assert.is.not(0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1);
  assert.is(mean([0.1, 0.2, 0.3]), mean([0.3, 0.2, 0.1]));
  assert.is(mean([0.3, 0.1, 0.2]), mean([0.2, 0.3, 0.1]));
});

test('summarize: wilson for pass/fail, t for graded values', () => {
  const b = summarize([1, 0, 1, 1]);
  assert.is(b.method, 'wilson');
  assert.is(b.mean, 0.75);
  assert.equal(b.ci, wilson(3, 4));
  const t = summarize([1, 0.5, 0]);
  assert.is(t.method, 't');
  assert.ok(close(t.mean, 0.5));
  assert.equal(t.ci, meanInterval([1, 0.5, 0]).ci);
  const e = summarize([]);
  assert.ok(Number.isNaN(e.mean));
  assert.equal(e.ci, [0, 1]);
});

test('percentile: nearest rank', () => {
  const xs = [15, 20, 35, 40, 50];
  assert.is(percentile(xs, 5), 15);
  assert.is(percentile(xs, 30), 20);
  assert.is(percentile(xs, 40), 20);
  assert.is(percentile(xs, 50), 35);
  assert.is(percentile(xs, 100), 50);
  assert.is(percentile(xs, 0), 15);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.is(percentile([3, 1, 2], 50), 2, 'input order does not matter');
  const input = [3, 1, 2];
  percentile(input, 90);
  assert.equal(input, [3, 1, 2], 'the input is not sorted in place');
});

test('property: percentile is an element, monotone in p, between min and max', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (xs, p, q) => {
      const v = percentile(xs, p);
      assert.ok(xs.includes(v));
      assert.ok(v >= Math.min(...xs) && v <= Math.max(...xs));
      if (p <= q) assert.ok(percentile(xs, p) <= percentile(xs, q));
    }),
  );
});

test.run();
