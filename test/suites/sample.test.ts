import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { stratifiedSample, seededPick } from '../../src/suites/sample.ts';
import { loadSuite } from '../../src/suites/load.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { taskChecker } from '../../src/metrics/index.ts';
import type { Case } from '../../src/core/types.ts';

const catalog = await loadCatalog();
const finance = await loadSuite('finance', { indicators: new Set(catalog.items.keys()), tasks: taskChecker });

const stratum = (c: Case) => `${c.scenario}|${c.indicator}`;

function countBy(cases: Case[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const c of cases) m.set(stratum(c), (m.get(stratum(c)) ?? 0) + 1);
  return m;
}

/** Checks every stated property of a sample of `n` from `cases`. */
function checkSample(cases: Case[], n: number, seed: number, digest: string): Case[] {
  const s = stratifiedSample(cases, n, seed, digest);
  assert.is(s.length, Math.min(n, cases.length), `size for n=${n}`);
  // Suite order preserved: the sample is a subsequence of the suite.
  const pos = new Map(cases.map((c, i) => [c.id, i]));
  for (let i = 1; i < s.length; i++) assert.ok(pos.get(s[i - 1].id)! < pos.get(s[i].id)!, 'suite order');
  assert.is(new Set(s.map((c) => c.id)).size, s.length, 'no case twice');
  // Each stratum gets its proportional share, within one case.
  const all = countBy(cases);
  const got = countBy(s);
  for (const [k, size] of all) {
    const exact = (n * size) / cases.length;
    const q = got.get(k) ?? 0;
    assert.ok(Math.abs(q - Math.min(exact, size)) < 1 + 1e-9, `stratum ${k}: ${q} vs exact ${exact.toFixed(2)} (n=${n})`);
  }
  return s;
}

test('finance suite: exact size, proportional strata, suite order, for many n', () => {
  assert.ok(countBy(finance.cases).size >= 6);
  for (const n of [1, 5, 10, 17, 30, 50, finance.cases.length - 1]) checkSample(finance.cases, n, 7, finance.digest);
});

test('deterministic for the same seed and digest; different for another seed or digest', () => {
  const ids = (s: Case[]) => s.map((c) => c.id);
  const a = stratifiedSample(finance.cases, 20, 42, finance.digest);
  const b = stratifiedSample([...finance.cases], 20, 42, finance.digest);
  assert.equal(ids(a), ids(b));
  const other = stratifiedSample(finance.cases, 20, 43, finance.digest);
  assert.not.equal(ids(other), ids(a));
  const otherDigest = stratifiedSample(finance.cases, 20, 42, '0'.repeat(64));
  assert.not.equal(ids(otherDigest), ids(a));
  // The same strata sizes whatever the seed: only which cases differs.
  assert.equal(countBy(other), countBy(a));
});

test('different seeds give different samples (most of the time, not by accident)', () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 20; seed++) seen.add(stratifiedSample(finance.cases, 20, seed, finance.digest).map((c) => c.id).join(','));
  assert.ok(seen.size >= 18, `${seen.size} distinct samples out of 20 seeds`);
});

test('n at or above the suite size returns the whole suite in order', () => {
  assert.equal(stratifiedSample(finance.cases, finance.cases.length, 1, finance.digest), finance.cases);
  assert.equal(stratifiedSample(finance.cases, 10_000, 1, finance.digest), finance.cases);
  assert.equal(stratifiedSample(finance.cases, 0, 1, finance.digest), []);
});

test('does not depend on the order the cases arrive in, except for the output order', () => {
  const shuffled = [...finance.cases].reverse();
  const a = stratifiedSample(finance.cases, 25, 9, finance.digest).map((c) => c.id).sort();
  const b = stratifiedSample(shuffled, 25, 9, finance.digest).map((c) => c.id).sort();
  assert.equal(a, b);
});

// ---------- properties on generated suites ----------

const SCEN = ['s1', 's2', 's3', 's4'];
const IND = ['capability.performance.knowledge', 'capability.performance.calculation', 'trustworthiness.safety.refusal'];

const suiteArb = fc
  .array(fc.record({ s: fc.constantFrom(...SCEN), i: fc.constantFrom(...IND) }), { minLength: 1, maxLength: 120 })
  .map((rows) =>
    rows.map(
      (r, k): Case => ({ id: `c-${String(k).padStart(4, '0')}`, scenario: r.s, indicator: r.i, lang: 'zh', task: 'choice', input: 'q', choices: ['a', 'b'], answer: 0, source: 'test' }),
    ),
  );

test('property: exactly n, within one of proportional per stratum, suite order, deterministic', () => {
  fc.assert(
    fc.property(suiteArb, fc.nat(200), fc.nat(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 8, maxLength: 8 }), (cases, n, seed, digest) => {
      const s = checkSample(cases, n, seed, digest);
      assert.equal(stratifiedSample(cases, n, seed, digest), s);
    }),
    { numRuns: 300 },
  );
});

test('property: a larger sample with the same seed keeps every case of the smaller one per stratum quota', () => {
  // Within a stratum the cases are ranked by the seeded hash, so a larger quota extends a smaller one.
  fc.assert(
    fc.property(suiteArb, fc.nat(), (cases, seed) => {
      const small = stratifiedSample(cases, Math.floor(cases.length / 3), seed, 'd');
      const large = stratifiedSample(cases, Math.floor((2 * cases.length) / 3), seed, 'd');
      const largeIds = new Set(large.map((c) => c.id));
      const smallBy = countBy(small);
      const largeBy = countBy(large);
      for (const c of small) {
        if ((largeBy.get(stratum(c)) ?? 0) >= (smallBy.get(stratum(c)) ?? 0)) assert.ok(largeIds.has(c.id), c.id);
      }
    }),
    { numRuns: 200 },
  );
});

test('seededPick: k ids, deterministic, seed-dependent, a subset', () => {
  const ids = finance.cases.map((c) => c.id);
  const a = seededPick(ids, 8, 1, finance.digest);
  assert.is(a.length, 8);
  assert.equal(seededPick(ids, 8, 1, finance.digest), a);
  assert.equal(seededPick([...ids].reverse(), 8, 1, finance.digest), a, 'input order does not matter');
  assert.not.equal(seededPick(ids, 8, 2, finance.digest), a);
  assert.ok(a.every((x) => ids.includes(x)));
  assert.is(new Set(a).size, 8);
  assert.equal(seededPick(ids, 0, 1, 'x'), []);
  assert.is(seededPick(ids.slice(0, 3), 10, 1, 'x').length, 3);
});

test.run();
