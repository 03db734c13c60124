import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { arrivalSchedule } from '../../src/runners/arrivals.ts';

const gaps = (xs: number[]) => xs.slice(1).map((x, i) => x - xs[i]);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cv = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) / m;
};

test('poisson: mean rate within 3% over 10k arrivals, gaps exponential (CV ≈ 1)', () => {
  const s = arrivalSchedule({ rate: 50, count: 10_000, kind: 'poisson', seed: 7 });
  assert.is(s.length, 10_000);
  assert.is(s[0], 0);
  const rate = (s.length - 1) / (s[s.length - 1] / 1000);
  assert.ok(Math.abs(rate / 50 - 1) < 0.03, `rate ${rate}`);
  assert.ok(Math.abs(cv(gaps(s)) - 1) < 0.05, `cv ${cv(gaps(s))}`);
  for (let i = 1; i < s.length; i++) assert.ok(s[i] >= s[i - 1]);
});

test('same seed gives the same schedule; another seed another one', () => {
  const a = arrivalSchedule({ rate: 10, count: 500, kind: 'gamma', shape: 0.5, seed: 3 });
  const b = arrivalSchedule({ rate: 10, count: 500, kind: 'gamma', shape: 0.5, seed: 3 });
  const c = arrivalSchedule({ rate: 10, count: 500, kind: 'gamma', shape: 0.5, seed: 4 });
  assert.equal(a, b);
  assert.not.equal(a, c);
});

for (const k of [0.25, 0.5, 1, 2, 4, 16]) {
  test(`gamma k=${k}: mean rate within 4%, CV of the gaps ≈ 1/√k`, () => {
    const s = arrivalSchedule({ rate: 200, count: 10_000, kind: 'gamma', shape: k, seed: 11 });
    const rate = (s.length - 1) / (s[s.length - 1] / 1000);
    assert.ok(Math.abs(rate / 200 - 1) < 0.04, `rate ${rate}`);
    const want = 1 / Math.sqrt(k);
    const got = cv(gaps(s));
    assert.ok(Math.abs(got / want - 1) < 0.08, `cv ${got} vs ${want}`);
  });
}

test('gamma k=1 equals poisson in distribution: both CV ≈ 1', () => {
  const g = arrivalSchedule({ rate: 5, count: 10_000, kind: 'gamma', shape: 1, seed: 2 });
  assert.ok(Math.abs(cv(gaps(g)) - 1) < 0.05);
});

test('bad rate, count or shape: RangeError', () => {
  assert.throws(() => arrivalSchedule({ rate: 0, count: 5, kind: 'poisson', seed: 1 }), /rate/);
  assert.throws(() => arrivalSchedule({ rate: 1, count: -1, kind: 'poisson', seed: 1 }), /count/);
  assert.throws(() => arrivalSchedule({ rate: 1, count: 5, kind: 'gamma', shape: 0, seed: 1 }), /shape/);
  assert.equal(arrivalSchedule({ rate: 1, count: 0, kind: 'poisson', seed: 1 }), []);
});

test.run();
