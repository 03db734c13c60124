import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectedCalibrationError, GROUP_ITEMS } from '../../src/metrics/groups.ts';
import { aggregate } from '../../src/metrics/aggregate.ts';
import { scoreRun } from '../../src/metrics/score-run.ts';
import { scorers } from '../../src/metrics/index.ts';
import { rng } from '../../src/metrics/stats.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { loadProfile } from '../../src/suites/profile.ts';
import type { Case, ResponseRecord } from '../../src/core/types.ts';

function synthetic(n: number, seed: number, shift: number): { conf: number[]; correct: number[] } {
  const r = rng(seed);
  const conf: number[] = [];
  const correct: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = 0.25 + 0.75 * r();
    conf.push(p);
    correct.push(r() < p - shift ? 1 : 0);
  }
  return { conf, correct };
}

test('ECE of perfectly calibrated data is small, of overconfident data large', () => {
  for (const seed of [1, 2, 3]) {
    const good = synthetic(10_000, seed, 0);
    assert.ok(expectedCalibrationError(good.conf, good.correct) < 0.05, `seed ${seed}`);
    const over = synthetic(10_000, seed, 0.25);
    assert.ok(expectedCalibrationError(over.conf, over.correct) > 0.15, `seed ${seed}`);
  }
});

test('ECE by hand: two bins', () => {
  // bin 0.9..1: conf 0.95 ×2, both correct → |1 − 0.95| = 0.05; bin 0.6..0.7: conf 0.65 ×2, one correct → 0.15
  const ece = expectedCalibrationError([0.95, 0.65, 0.95, 0.65], [1, 1, 1, 0]);
  assert.ok(Math.abs(ece - (0.5 * 0.05 + 0.5 * 0.15)) < 1e-12);
  assert.ok(Number.isNaN(expectedCalibrationError([], [])));
  assert.is(expectedCalibrationError([1, 1], [1, 1]), 0);
});

test('ECE does not depend on order', () => {
  const d = synthetic(500, 9, 0.1);
  const idx = d.conf.map((_, i) => i).reverse();
  assert.is(expectedCalibrationError(idx.map((i) => d.conf[i]), idx.map((i) => d.correct[i])), expectedCalibrationError(d.conf, d.correct));
});

const c: Case = { id: 'k', scenario: 's', indicator: 'capability.performance.knowledge', lang: 'zh', task: 'choice', input: 'q', choices: ['a1', 'b1', 'c1'], answer: 1, source: 'test' };

test('choice scorer: confidence is the softmax probability of the log-likelihood argmax', () => {
  const s = scorers.get('choice').score(c, { output: 'B', logprobs: [Math.log(0.2), Math.log(0.5), Math.log(0.3)] });
  assert.ok(Math.abs((s.extra!.confidence as number) - 0.5) < 1e-12);
  assert.is(s.extra!.loglik, 1);
  assert.not.ok('confidence' in scorers.get('choice').score(c, { output: 'B' }).extra!);
});

test('aggregate: capability.performance.calibration = 1 − ECE of the choice confidences', async () => {
  const catalog = await loadCatalog();
  const profile = await loadProfile('certification', new Set(catalog.items.keys()));
  const cases: Case[] = [];
  const responses: ResponseRecord[] = [];
  for (let i = 0; i < 20; i++) {
    cases.push({ ...c, id: `k${i}` });
    // 0.9 confident in option B; B right in 18 of 20 cases → one bin, |0.9 − 0.9| = 0.
    const lp = i < 18 ? [Math.log(0.05), Math.log(0.9), Math.log(0.05)] : [Math.log(0.9), Math.log(0.05), Math.log(0.05)];
    responses.push({ caseId: `k${i}`, phase: 'main', status: 'ok', output: 'B', logprobs: lp, timing: { startedAt: '2026-01-01T00:00:00Z', latencyMs: 5 } });
  }
  const scores = scoreRun(cases, responses, profile);
  const card = aggregate({ suite: { id: 't', version: '1', digest: 'd', industry: 'finance', name: { zh: 't', en: 't' }, scenarios: [{ id: 's', name: { zh: 's', en: 's' }, threshold: 0.5 }], cases }, catalog, profile, model: { id: 'm' }, scores, responses });
  const cal = card.indicators.find((i) => i.id === GROUP_ITEMS.calibration)!;
  assert.is(cal.n, 20);
  assert.ok(Math.abs(cal.value! - 1) < 1e-9, String(cal.value));
});

test.run();
