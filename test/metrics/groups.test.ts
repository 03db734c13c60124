import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { aggregate, type AggregateInput } from '../../src/metrics/aggregate.ts';
import { scoreRun } from '../../src/metrics/score-run.ts';
import { GROUP_ITEMS, groupScores, optionOrderConsistency } from '../../src/metrics/groups.ts';
import { clusteredMean, wilson } from '../../src/metrics/stats.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { loadProfile } from '../../src/suites/profile.ts';
import type { Case, LoadedCatalog, Profile, ResponseRecord, Score } from '../../src/core/types.ts';

const catalog: LoadedCatalog = await loadCatalog();
const profile: Profile = await loadProfile('certification', new Set(catalog.items.keys()));
const FAIR = GROUP_ITEMS.counterfactual;
const ROB = GROUP_ITEMS.perturbation;
const KNOW = 'capability.performance.knowledge';
const choices = ['能通过', '不能通过'];
const SCENARIOS = [{ id: 's', name: { zh: 's', en: 's' }, threshold: 0.5 }];

function fairCase(id: string, group: string, answer = 0): Case {
  return { id, scenario: 's', indicator: FAIR, lang: 'zh', task: 'choice', input: id, choices, answer, source: 'test', meta: { group } };
}
function robCase(id: string, base: string, perturbation: string): Case {
  return { id, scenario: 's', indicator: ROB, lang: 'zh', task: 'choice', input: id, choices: ['木星', '土星', '地球'], answer: 0, source: 'test', meta: { base, perturbation } };
}
const taskScore = (c: Case, picked: number | null): Score => ({
  caseId: c.id, indicator: c.indicator, value: picked === c.answer ? 1 : 0, pass: picked === c.answer, reason: '', extra: { picked, extractable: picked === null ? 0 : 1 },
});

test('counterfactual: a group is consistent when every variant picks the same option', () => {
  const cases = [fairCase('a1', 'g1'), fairCase('a2', 'g1'), fairCase('b1', 'g2'), fairCase('b2', 'g2'), fairCase('c1', 'g3'), fairCase('c2', 'g3', 1), fairCase('d1', 'g4')];
  const picks: Record<string, number | null> = { a1: 0, a2: 0, b1: 0, b2: 1, c1: 1, c2: 1, d1: 0 };
  const rows = groupScores(cases, cases.map((c) => taskScore(c, picks[c.id])));
  assert.equal(rows.map((r) => [r.caseId, r.value]), [['group:g1', 1], ['group:g2', 0], ['group:g3', 1]]);
  assert.ok(rows.every((r) => r.indicator === FAIR));
});

test('counterfactual: same wrong answer everywhere is still consistent; no answer vs an answer is not', () => {
  const cases = [fairCase('a1', 'g1'), fairCase('a2', 'g1'), fairCase('b1', 'g2'), fairCase('b2', 'g2')];
  const picks: Record<string, number | null> = { a1: 1, a2: 1, b1: null, b2: 0 };
  const rows = groupScores(cases, cases.map((c) => taskScore(c, picks[c.id])));
  assert.equal(rows.map((r) => r.value), [1, 0]);
});

test('robustness: a variant scores 1 only when it and its base are both correct', () => {
  const cases = [robCase('r1', 'r1', 'none'), robCase('r1-typo', 'r1', 'typo'), robCase('r1-trad', 'r1', 'trad'), robCase('r2', 'r2', 'none'), robCase('r2-typo', 'r2', 'typo')];
  const picks: Record<string, number | null> = { r1: 0, 'r1-typo': 0, 'r1-trad': 2, r2: 1, 'r2-typo': 1 };
  const rows = groupScores(cases, cases.map((c) => taskScore(c, picks[c.id])));
  assert.equal(rows.map((r) => [r.caseId, r.value]), [['group:r1/r1-trad', 0], ['group:r1/r1-typo', 1], ['group:r2/r2-typo', 0]]);
});

test('option order (CircularEval): a base counts only when it and every reorder variant are correct', () => {
  const cases = [robCase('r1', 'r1', 'none'), robCase('r1~reorder', 'r1', 'reorder'), robCase('r2', 'r2', 'none'), robCase('r2~reorder', 'r2', 'reorder'), robCase('r3', 'r3', 'none')];
  const picks: Record<string, number | null> = { r1: 0, 'r1~reorder': 0, r2: 0, 'r2~reorder': 1, r3: 0 };
  assert.equal(optionOrderConsistency(cases, cases.map((c) => taskScore(c, picks[c.id]))), { value: 0.5, n: 2 });
});

/** A suite mixing fairness groups, robustness bases with variants, and knowledge cases sharing meta.group. */
function mixedSuite(): { cases: Case[]; responses: ResponseRecord[] } {
  const cases: Case[] = [];
  const responses: ResponseRecord[] = [];
  const timing = { startedAt: '2026-01-01T00:00:00Z', latencyMs: 10 };
  const answer = (c: Case, out: string) => responses.push({ caseId: c.id, phase: 'main', status: 'ok', output: out, timing });
  for (let g = 0; g < 12; g++) for (let v = 0; v < 2; v++) {
    const c = fairCase(`f-${g}-${v}`, `fg${g}`);
    cases.push(c);
    answer(c, g % 4 === 0 && v === 1 ? 'B' : 'A');
  }
  for (let b = 0; b < 10; b++) for (const p of ['none', 'typo', 'trad']) {
    const c = robCase(p === 'none' ? `r-${b}` : `r-${b}-${p}`, `r-${b}`, p);
    cases.push(c);
    answer(c, b % 3 === 0 && p === 'trad' ? 'B' : b === 7 ? 'C' : 'A');
  }
  for (let g = 0; g < 8; g++) for (let v = 0; v < 3; v++) {
    const c: Case = { id: `k-${g}-${v}`, scenario: 's', indicator: KNOW, lang: 'zh', task: 'choice', input: 'q', choices, answer: 0, source: 'test', meta: { group: `kg${g}` } };
    cases.push(c);
    answer(c, g % 3 === 0 ? 'B' : 'A');
  }
  return { cases, responses };
}

function input(cases: Case[], responses: ResponseRecord[], scores: Score[]): AggregateInput {
  return { suite: { id: 't', version: '1', digest: 'd', industry: 'finance', name: { zh: 't', en: 't' }, scenarios: SCENARIOS, cases }, catalog, profile, model: { id: 'm' }, scores, responses };
}

test('aggregate: consistency items are valued on groups with Wilson over groups; shared meta.group gives a cluster interval', () => {
  const { cases, responses } = mixedSuite();
  const scores = scoreRun(cases, responses, profile);
  const card = aggregate(input(cases, responses, scores));
  const fair = card.indicators.find((i) => i.id === FAIR)!;
  assert.is(fair.n, 12);
  assert.is(fair.value, 9 / 12);
  assert.equal(fair.ci, wilson(9, 12));
  assert.is(fair.ciMethod, 'wilson');
  const rob = card.indicators.find((i) => i.id === ROB)!;
  // 20 variants; bases 0,3,6,9 lose their trad variant (4), base 7 is wrong (2 more).
  assert.is(rob.n, 20);
  assert.is(rob.value, 14 / 20);
  assert.equal(rob.ci, wilson(0.7 * 10, 10));
  const know = card.indicators.find((i) => i.id === KNOW)!;
  assert.is(know.ciMethod, 'cluster');
  const values = cases.filter((c) => c.indicator === KNOW).map((c) => (Number(c.id.split('-')[1]) % 3 === 0 ? 0 : 1));
  assert.equal(know.ci, clusteredMean(values, cases.filter((c) => c.indicator === KNOW).map((c) => String(c.meta!.group))).ci);
  assert.is(know.value, 15 / 24);
  assert.ok(scores.some((s) => s.caseId === 'group:fg0' && s.value === 0));
});

test('aggregate: shuffling scores and responses never changes the scorecard', () => {
  const { cases, responses } = mixedSuite();
  const scores = scoreRun(cases, responses, profile);
  const ref = JSON.stringify(aggregate(input(cases, responses, scores)));
  const refRows = JSON.stringify(groupScores(cases, scores));
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: scores.length, maxLength: scores.length }), fc.array(fc.nat(), { minLength: cases.length, maxLength: cases.length }), (ks, kc) => {
      const s2 = scores.map((s, i) => ({ s, k: ks[i] })).sort((a, b) => a.k - b.k).map((x) => x.s);
      const c2 = cases.map((c, i) => ({ c, k: kc[i] })).sort((a, b) => a.k - b.k).map((x) => x.c);
      assert.is(JSON.stringify(aggregate(input(cases, [...responses].reverse(), s2))), ref);
      assert.is(JSON.stringify(groupScores(c2, s2)), refRows);
    }),
    { numRuns: 40, seed: 7 },
  );
});

test.run();
