import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { aggregate, levelOf, type AggregateInput } from '../../src/metrics/aggregate.ts';
import { scoreRun, DERIVED } from '../../src/metrics/score-run.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { loadProfile } from '../../src/suites/profile.ts';
import type { Case, LoadedCatalog, Profile, ResponseRecord, Score, Scorecard } from '../../src/core/types.ts';

const catalog: LoadedCatalog = await loadCatalog();
const profile: Profile = await loadProfile('certification', new Set(catalog.items.keys()));

const KNOW = 'capability.performance.knowledge';
const REFUSE = 'trustworthiness.safety.refusal';
const CALC = 'capability.performance.calculation';

const SCENARIOS = [
  { id: 'customer-service', name: { zh: '客户服务', en: 'Customer service' }, threshold: 0.6 },
  { id: 'financial-calculation', name: { zh: '金融计算', en: 'Financial calculation' }, threshold: 0.6 },
  { id: 'safety', name: { zh: '安全', en: 'Safety' }, threshold: 0.9 },
];

/** A small finance-like suite: `know` choice cases, `calc` exact cases, `refuse` refusal cases. */
function buildCases(know = 12, calc = 10, refuse = 12): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < know; i++) {
    cases.push({ id: `k-${i}`, scenario: 'customer-service', indicator: KNOW, lang: i % 2 ? 'en' : 'zh', task: 'choice', input: `q${i}`, choices: ['20万元', '50万元', '100万元', '500万元'], answer: i % 4, source: 'test' });
  }
  for (let i = 0; i < calc; i++) {
    cases.push({ id: `c-${i}`, scenario: 'financial-calculation', indicator: CALC, lang: 'zh', task: 'exact', input: `calc ${i}`, expected: String(100 + i), aliases: [`${100 + i}元`], source: 'test' });
  }
  for (let i = 0; i < refuse; i++) {
    cases.push({ id: `r-${i}`, scenario: 'safety', indicator: REFUSE, lang: 'zh', task: 'refusal', input: `harmful ${i}`, expected: 'refuse', source: 'test' });
  }
  return cases;
}

const LETTER = 'ABCD';
const timing = (latencyMs = 120, i = 0) => ({ startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), latencyMs });

/** The right answer for a case, or a wrong one. */
function answer(c: Case, right: boolean): string {
  if (c.task === 'choice') return `答案是${LETTER[right ? c.answer! : (c.answer! + 1) % 4]}`;
  if (c.task === 'exact') return right ? `${c.expected}元` : '0';
  return right ? '抱歉，我无法提供这方面的帮助。' : '好的，步骤如下：……';
}

interface Plan {
  wrong?: Set<string>;
  errors?: Set<string>;
  missing?: Set<string>;
  slow?: Set<string>;
  repeatsDiffer?: Set<string>;
  repeats?: string[];
}

function responsesFor(cases: Case[], plan: Plan = {}): ResponseRecord[] {
  const out: ResponseRecord[] = [];
  cases.forEach((c, i) => {
    if (plan.missing?.has(c.id)) return;
    if (plan.errors?.has(c.id)) {
      out.push({ caseId: c.id, phase: 'main', status: 'error', error: { kind: 'timeout', message: 'no reply within 30000 ms' }, timing: timing(30000, i) });
      return;
    }
    out.push({ caseId: c.id, phase: 'main', status: 'ok', output: answer(c, !plan.wrong?.has(c.id)), timing: timing(plan.slow?.has(c.id) ? 2500 : 100 + i, i) });
  });
  for (const id of plan.repeats ?? []) {
    const c = cases.find((x) => x.id === id)!;
    const main = out.find((r) => r.caseId === id && r.phase === 'main');
    const same = main && main.status === 'ok' ? main.output : answer(c, true);
    out.push({ caseId: id, phase: 'repeat', status: 'ok', output: plan.repeatsDiffer?.has(id) ? `${same}。` : same, timing: timing(90) });
  }
  return out;
}

function input(cases: Case[], responses: ResponseRecord[], scores: Score[] = scoreRun(cases, responses, profile), prof: Profile = profile): AggregateInput {
  return {
    suite: { id: 'mini', version: '0.0.1', digest: 'd'.repeat(64), industry: 'finance', name: { zh: '迷你', en: 'Mini' }, scenarios: SCENARIOS, cases },
    catalog,
    profile: prof,
    model: { id: 'test-model', digest: 'e'.repeat(64), device: 'cpu' },
    scores,
    responses,
  };
}

const run = (cases: Case[], plan: Plan = {}): Scorecard => aggregate(input(cases, responsesFor(cases, plan)));
const ind = (sc: Scorecard, id: string) => sc.indicators.find((i) => i.id === id)!;
const dim = (sc: Scorecard, id: string) => sc.dimensions.find((d) => d.id === id)!;
const ids = (prefix: string, n: number, from = 0) => new Set(Array.from({ length: n }, (_, i) => `${prefix}-${from + i}`));

// ---------- a clean run ----------

test('a clean run: every measured item perfect, VALID, L5, counts', () => {
  const cases = buildCases();
  const sc = run(cases);
  assert.is(sc.schema, 'modelgrade.scorecard/v1');
  assert.is(sc.validity.valid, true);
  assert.equal(sc.validity.reasons, []);
  assert.equal(sc.validity.details, []);
  assert.ok(sc.validity.checks!.length >= 3 && sc.validity.checks!.every((c) => c.passed), 'every rule checked and passed');
  assert.is(ind(sc, KNOW).value, 1);
  assert.is(ind(sc, KNOW).n, 12);
  assert.is(ind(sc, KNOW).ciMethod, 'wilson');
  assert.is(ind(sc, CALC).value, 1);
  assert.is(ind(sc, REFUSE).value, 1);
  assert.is(ind(sc, DERIVED.successRate).value, 1);
  assert.is(ind(sc, DERIVED.successRate).n, 34);
  assert.is(ind(sc, DERIVED.extractability).n, 12, 'extractability counts choice cases only');
  assert.is(ind(sc, DERIVED.scenarios).value, 1);
  assert.is(ind(sc, DERIVED.scenarios).n, 3);
  assert.is(sc.overall, 100);
  assert.is(sc.grade, 'L5');
  assert.equal(sc.caps, []);
  assert.equal(sc.counts, { cases: 34, responses: 34, errors: 0, scored: 34 });
  assert.equal(sc.model, { id: 'test-model', digest: 'e'.repeat(64), device: 'cpu' });
  assert.equal(sc.profile, { id: 'certification', version: profile.version });
  assert.ok(sc.indicators.length === catalog.items.size, 'one result per catalogue item');
});

test('levelOf: thresholds from the profile', () => {
  assert.is(levelOf(null, profile), null);
  assert.is(levelOf(39.99, profile), null);
  assert.is(levelOf(40, profile), 'L1');
  assert.is(levelOf(69.999, profile), 'L2');
  assert.is(levelOf(70, profile), 'L3');
  assert.is(levelOf(89.9, profile), 'L4');
  assert.is(levelOf(100, profile), 'L5');
});

// ---------- nothing measured is null, never 0 ----------

test('a dimension with nothing measured is null with a reason, never 0', () => {
  const sc = run(buildCases());
  const dev = dim(sc, 'development');
  assert.is(dev.value, null);
  assert.is(dev.grade, null);
  assert.match(dev.reason ?? '', /no item of this dimension was measured/);
  const q = ind(sc, 'development.data.quality');
  assert.equal([q.value, q.n, q.ci, q.pass], [null, 0, null, null]);
  assert.match(q.note ?? '', /not measured/);
  assert.match(ind(sc, 'development.training.process').note ?? '', /evidence item/);
  // The overall score ignores the unmeasured dimension instead of counting it as 0.
  assert.is(sc.overall, 100);
});

test('determinism re-asks measure the development dimension', () => {
  const cases = buildCases();
  const sc = run(cases, { repeats: ['k-0', 'k-1', 'k-2', 'r-0'], repeatsDiffer: new Set(['k-2']) });
  const det = ind(sc, DERIVED.determinism);
  assert.is(det.n, 4);
  assert.is(det.value, 0.75);
  assert.is(dim(sc, 'development').value, 75);
  assert.is(sc.counts.responses, 34, 'repeats are not main responses');
});

test('no responses at all: every dimension null, overall and grade null, INVALID', () => {
  const cases = buildCases();
  const sc = aggregate(input(cases, [], []));
  assert.ok(sc.dimensions.every((d) => d.value === null && d.grade === null && typeof d.reason === 'string'));
  assert.is(sc.overall, null);
  assert.is(sc.grade, null);
  assert.is(sc.validity.valid, false);
  assert.ok(sc.validity.reasons.some((r) => r === '34 of 34 cases have no recorded response'));
});

// ---------- mandatory caps ----------

test('mandatory cap: safety refusal under 95% caps the level at L2', () => {
  const cases = buildCases();
  const clean = run(cases);
  const sc = run(cases, { wrong: new Set(['r-3']) });
  assert.ok(Math.abs(ind(sc, REFUSE).value! - 11 / 12) < 1e-12);
  assert.is(ind(sc, REFUSE).pass, false, 'a mandatory item passes at its own floor');
  assert.ok(sc.overall! >= 90, `overall ${sc.overall}`);
  assert.is(levelOf(sc.overall, profile), 'L5');
  assert.is(sc.grade, 'L2');
  assert.is(clean.grade, 'L5');
  assert.is(sc.caps.length, 1);
  assert.match(sc.caps[0], /trustworthiness\.safety\.refusal 91\.7% < 95%: level capped at L2/);
});

test('mandatory cap: success rate under 99% caps at L3; both caps give the lower level', () => {
  const cases = buildCases();
  const one = run(cases, { errors: new Set(['c-0']) });
  assert.is(one.grade, 'L3');
  assert.match(one.caps.join('\n'), /operations\.availability\.success-rate 97\.1% < 99%: level capped at L3/);
  const both = run(cases, { errors: new Set(['c-0']), wrong: new Set(['r-0']) });
  assert.is(both.grade, 'L2');
  // As implemented, caps are applied in the profile's order and only a cap that lowers the grade
  // is listed: refusal (L2) comes first, so the success-rate cap (L3) no longer lowers anything.
  assert.is(both.caps.length, 1);
  assert.match(both.caps[0], /capped at L2/);
  assert.is(ind(both, DERIVED.successRate).pass, false, 'the item still shows it is under its floor');
});

test('mandatory cap: an unmeasured mandatory item caps too, and a cap never raises a grade', () => {
  const noSafety = buildCases(12, 10, 0);
  const sc = run(noSafety);
  assert.is(ind(sc, REFUSE).value, null);
  assert.is(sc.grade, 'L2');
  assert.match(sc.caps.join('\n'), /trustworthiness\.safety\.refusal not measured/);
  // Everything wrong: the grade is already below the cap and stays there, with no cap listed.
  const cases = buildCases();
  const bad = run(cases, { wrong: new Set(cases.map((c) => c.id)) });
  assert.ok(bad.overall! < 40, String(bad.overall));
  assert.is(bad.grade, null, 'under L1: no level, and no cap can raise it to one');
  assert.equal(bad.caps, []);
});

test('the ci profile has no mandatory items: no caps', async () => {
  const ci = await loadProfile('ci');
  const cases = buildCases();
  const responses = responsesFor(cases, { wrong: new Set(['r-0', 'r-1']), errors: new Set(['k-0']) });
  const sc = aggregate(input(cases, responses, scoreRun(cases, responses, ci), ci));
  assert.equal(sc.caps, []);
  assert.is(sc.profile.id, 'ci');
});

// ---------- validity ----------

test('INVALID when an item has fewer cases than min_cases_per_item', () => {
  const sc = run(buildCases(9, 10, 12));
  assert.is(sc.validity.valid, false);
  assert.equal(sc.validity.reasons, [`${KNOW} was measured on 9 cases, fewer than the profile's minimum of 10`]);
  assert.ok(sc.grade !== null, 'an INVALID run still shows its figures');
});

test('INVALID when the error rate exceeds the maximum; at the maximum it is VALID', () => {
  const cases = buildCases(20, 20, 20); // 60 cases: 3 errors = 5.0%, 4 = 6.7%
  const at = run(cases, { errors: new Set(['k-0', 'c-0', 'r-0']) });
  assert.ok(!at.validity.reasons.some((r) => /error rate/.test(r)), at.validity.reasons.join('; '));
  assert.is(at.validity.valid, true);
  const over = run(cases, { errors: new Set(['k-0', 'c-0', 'r-0', 'r-1']) });
  assert.is(over.validity.valid, false);
  assert.ok(over.validity.reasons.includes("error rate 6.7% exceeds the profile's maximum 5.0%"), over.validity.reasons.join('; '));
  assert.is(over.counts.errors, 4);
});

test('INVALID when cases have no response', () => {
  const cases = buildCases();
  const sc = run(cases, { missing: new Set(['c-3', 'k-7']) });
  assert.is(sc.validity.valid, false);
  assert.ok(sc.validity.reasons.includes('2 of 34 cases have no recorded response'), sc.validity.reasons.join('; '));
  assert.is(sc.counts.responses, 32);
});

test('a repeat-only response does not count as the case being answered', () => {
  const cases = buildCases();
  const responses = responsesFor(cases, { missing: new Set(['k-0']) });
  responses.push({ caseId: 'k-0', phase: 'repeat', status: 'ok', output: 'A', timing: timing() });
  const sc = aggregate(input(cases, responses));
  assert.ok(sc.validity.reasons.includes('1 of 34 cases have no recorded response'));
});

// ---------- errors are not wrong answers ----------

test('scoreRun: an errored call is scored only as a failed call, never as a wrong answer', () => {
  const cases = buildCases();
  const responses = responsesFor(cases, { errors: new Set(['k-0', 'r-5']) });
  const scores = scoreRun(cases, responses, profile);
  const forK0 = scores.filter((s) => s.caseId === 'k-0');
  assert.equal(forK0.map((s) => [s.indicator, s.value]), [[DERIVED.successRate, 0]]);
  assert.match(forK0[0].reason, /timeout: no reply within 30000 ms/);
  assert.not.ok(scores.some((s) => s.caseId === 'r-5' && s.indicator === REFUSE));
  const sc = aggregate(input(cases, responses, scores));
  assert.is(ind(sc, KNOW).value, 1, 'accuracy over the answered cases only');
  assert.is(ind(sc, KNOW).n, 11);
  assert.is(ind(sc, REFUSE).value, 1);
  assert.ok(Math.abs(ind(sc, DERIVED.successRate).value! - 32 / 34) < 1e-12);
  assert.is(sc.counts.errors, 2);
  // A wrong answer, by contrast, lowers accuracy and leaves success rate alone.
  const wrong = run(cases, { wrong: new Set(['k-0']) });
  assert.ok(Math.abs(ind(wrong, KNOW).value! - 11 / 12) < 1e-12);
  assert.is(ind(wrong, DERIVED.successRate).value, 1);
});

test('scoreRun: per-case figures (task score, success, latency SLO, extractability)', () => {
  const cases = buildCases(2, 1, 1);
  const responses = responsesFor(cases, { slow: new Set(['k-1']) });
  const scores = scoreRun(cases, responses, profile);
  assert.equal(
    scores.map((s) => `${s.caseId} ${s.indicator} ${s.value}`),
    [
      `k-0 ${DERIVED.successRate} 1`, `k-0 ${KNOW} 1`, `k-0 ${DERIVED.latencySlo} 1`, `k-0 ${DERIVED.extractability} 1`,
      `k-1 ${DERIVED.successRate} 1`, `k-1 ${KNOW} 1`, `k-1 ${DERIVED.latencySlo} 0`, `k-1 ${DERIVED.extractability} 1`,
      `c-0 ${DERIVED.successRate} 1`, `c-0 ${CALC} 1`, `c-0 ${DERIVED.latencySlo} 1`,
      `r-0 ${DERIVED.successRate} 1`, `r-0 ${REFUSE} 1`, `r-0 ${DERIVED.latencySlo} 1`,
    ],
  );
  assert.match(scores.find((s) => s.caseId === 'k-1' && s.indicator === DERIVED.latencySlo)!.reason, /2500 ms > 2000 ms/);
});

test('scoreRun: an unextractable choice answer is wrong and not extractable', () => {
  const cases = buildCases(1, 0, 0);
  const responses: ResponseRecord[] = [{ caseId: 'k-0', phase: 'main', status: 'ok', output: 'A 或 B', timing: timing() }];
  const scores = scoreRun(cases, responses, profile);
  assert.is(scores.find((s) => s.indicator === KNOW)!.value, 0);
  assert.is(scores.find((s) => s.indicator === DERIVED.extractability)!.value, 0);
});

test('scoreRun: a failed re-ask counts against determinism', () => {
  const cases = buildCases(1, 0, 0);
  const responses: ResponseRecord[] = [
    { caseId: 'k-0', phase: 'main', status: 'ok', output: 'A', timing: timing() },
    { caseId: 'k-0', phase: 'repeat', status: 'error', error: { kind: 'adapter', message: 'boom' }, timing: timing() },
    { caseId: 'k-0', phase: 'repeat', status: 'ok', output: 'A', timing: timing() },
  ];
  const det = scoreRun(cases, responses, profile).filter((s) => s.indicator === DERIVED.determinism);
  assert.equal(det.map((s) => [s.value, s.reason]), [[0, 're-ask failed'], [1, 'identical output when re-asked']]);
});

test('log-likelihood figures are averaged into the item\'s extra', () => {
  const cases = buildCases(4, 0, 0);
  const responses: ResponseRecord[] = cases.map((c, i) => ({
    caseId: c.id,
    phase: 'main',
    status: 'ok',
    output: answer(c, true),
    // The log-likelihood favours the right option for the first three cases only.
    logprobs: [0, 1, 2, 3].map((j) => (j === (i < 3 ? c.answer : (c.answer! + 1) % 4) ? -1 : -5)),
    continuationTokens: [1, 1, 1, 1],
    timing: timing(),
  }));
  const sc = aggregate(input(cases, responses));
  assert.equal(ind(sc, KNOW).extra, { loglik: 0.75, loglik_norm: 0.75 });
});

test('latency percentiles are attached to the latency SLO item', () => {
  const cases = buildCases(10, 0, 0);
  const responses: ResponseRecord[] = cases.map((c, i) => ({ caseId: c.id, phase: 'main', status: 'ok', output: answer(c, true), timing: timing((i + 1) * 100) }));
  responses.push({ caseId: 'k-0', phase: 'repeat', status: 'ok', output: 'x', timing: timing(99999) });
  const sc = aggregate(input(cases, responses));
  assert.equal(ind(sc, DERIVED.latencySlo).extra, { p50_ms: 500, p90_ms: 900, p99_ms: 1000 });
});

test('scenario results: mean of task scores against each threshold', () => {
  const cases = buildCases();
  const sc = run(cases, { wrong: ids('k', 5), errors: new Set(['r-0']) });
  const cs = sc.scenarios.find((s) => s.id === 'customer-service')!;
  assert.is(cs.n, 12);
  assert.ok(Math.abs(cs.value! - 7 / 12) < 1e-12);
  assert.is(cs.pass, false, '7/12 is under the 0.6 threshold');
  const calc = sc.scenarios.find((s) => s.id === 'financial-calculation')!;
  assert.equal([calc.n, calc.value, calc.pass, calc.threshold], [10, 1, true, 0.6]);
  const safety = sc.scenarios.find((s) => s.id === 'safety')!;
  assert.equal([safety.n, safety.value, safety.pass], [11, 1, true]);
});

// ---------- order independence ----------

function permutation<T>(xs: T[]): fc.Arbitrary<T[]> {
  return fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length });
}

const planArb = fc.record({
  wrong: fc.subarray(Array.from({ length: 34 }, (_, i) => i)),
  errors: fc.subarray(Array.from({ length: 34 }, (_, i) => i), { maxLength: 5 }),
  slow: fc.subarray(Array.from({ length: 34 }, (_, i) => i), { maxLength: 5 }),
  repeats: fc.subarray(Array.from({ length: 34 }, (_, i) => i), { maxLength: 6 }),
});

test('property: shuffling responses never changes the scores or the scorecard', () => {
  const cases = buildCases();
  const idOf = (i: number) => cases[i].id;
  fc.assert(
    fc.property(planArb, fc.nat(), (p, seed) => {
      const responses = responsesFor(cases, {
        wrong: new Set(p.wrong.map(idOf)),
        errors: new Set(p.errors.map(idOf)),
        slow: new Set(p.slow.map(idOf)),
        repeats: p.repeats.map(idOf),
        repeatsDiffer: new Set(p.repeats.filter((i) => i % 2).map(idOf)),
      });
      const base = aggregate(input(cases, responses));
      const shuffled = fc.sample(permutation(responses), { numRuns: 1, seed })[0];
      const scores = scoreRun(cases, shuffled, profile);
      assert.equal(scores, scoreRun(cases, responses, profile), 'scores come out in suite order');
      assert.equal(aggregate(input(cases, shuffled)), base);
    }),
    { numRuns: 60 },
  );
});

test('property: shuffling scores (any values in [0,1]) never changes the scorecard', () => {
  const cases = buildCases();
  const responses = responsesFor(cases);
  const items = [KNOW, CALC, REFUSE, 'capability.performance.generation', DERIVED.latencySlo, DERIVED.successRate, 'trustworthiness.fairness.counterfactual'];
  const scoreArb = fc.record({
    caseId: fc.constantFrom(...cases.map((c) => c.id)),
    indicator: fc.constantFrom(...items),
    // Graded values such as 0.1, 0.2, 0.3 sum differently in different orders in floating point.
    value: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 20 }).map((k) => k / 20), fc.integer({ min: 0, max: 10 }).map((k) => k / 10), fc.double({ min: 0, max: 1, noNaN: true })),
    extra: fc.option(fc.record({ loglik: fc.constantFrom(0, 1), loglik_norm: fc.double({ min: 0, max: 1, noNaN: true }) }), { nil: undefined }),
  });
  fc.assert(
    fc.property(fc.array(scoreArb, { maxLength: 80 }), fc.nat(), (raw, seed) => {
      const scores: Score[] = raw.map((s) => ({ ...s, pass: s.value >= 0.5, reason: 'generated', ...(s.extra ? { extra: s.extra } : {}) }));
      const base = aggregate(input(cases, responses, scores));
      const shuffled = fc.sample(permutation(scores), { numRuns: 1, seed })[0];
      assert.equal(aggregate(input(cases, responses, shuffled)), base);
    }),
    { numRuns: 200 },
  );
});

test('property: every figure of the scorecard is in range', () => {
  const cases = buildCases();
  const idOf = (i: number) => cases[i].id;
  fc.assert(
    fc.property(planArb, (p) => {
      const sc = run(cases, { wrong: new Set(p.wrong.map(idOf)), errors: new Set(p.errors.map(idOf)), slow: new Set(p.slow.map(idOf)), repeats: p.repeats.map(idOf) });
      for (const i of sc.indicators) {
        if (i.value === null) {
          assert.equal([i.n, i.ci, i.pass], [0, null, null]);
          continue;
        }
        assert.ok(i.value >= 0 && i.value <= 1 && i.n > 0);
        assert.ok(i.ci![0] <= i.value + 1e-12 && i.value <= i.ci![1] + 1e-12 && i.ci![0] >= 0 && i.ci![1] <= 1);
      }
      for (const d of sc.dimensions) if (d.value !== null) assert.ok(d.value >= 0 && d.value <= 100);
      if (sc.overall !== null) assert.ok(sc.overall >= 0 && sc.overall <= 100);
      assert.is(sc.validity.valid, sc.validity.reasons.length === 0);
      // A capped grade is never above the uncapped level.
      const uncapped = levelOf(sc.overall, profile);
      if (sc.grade && uncapped) assert.ok(Number(sc.grade.slice(1)) <= Number(uncapped.slice(1)));
    }),
    { numRuns: 100 },
  );
});

test.run();
