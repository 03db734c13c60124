import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { expandPerturbations, perturbCase, perturbVariants, PERTURB_KINDS, requestedKinds, type PerturbKind } from '../../src/suites/perturb.ts';
import { groupScores } from '../../src/metrics/groups.ts';
import { scorers } from '../../src/metrics/index.ts';
import type { Case } from '../../src/core/types.ts';

const base: Case = {
  id: 'tr-rb-0101', scenario: 'robustness', indicator: 'trustworthiness.robustness.perturbation', lang: 'zh', task: 'choice',
  input: '某银行理财产品年化收益率为3.5%，投资10000元一年后的收益是多少？请选择正确答案。',
  choices: ['350元', '35元', '3500元', '0.35元'], answer: 0, source: 'test', meta: { perturb: ['typo', 'width', 'punct', 'trad', 'space', 'reorder'] },
};
const ALL = [...PERTURB_KINDS];

test('variants are byte-identical for the same seed', () => {
  for (const seed of [0, 1, 42, 2 ** 31 + 5]) {
    const a = JSON.stringify(perturbVariants(base, ALL, seed));
    const b = JSON.stringify(perturbVariants(structuredClone(base), ALL, seed));
    assert.is(a, b);
  }
  assert.is(JSON.stringify(expandPerturbations([base], 7)), JSON.stringify(expandPerturbations([structuredClone(base)], 7)));
});

test('every kind applies to this case, ids are <id>~<kind>, meta names the base', () => {
  const vs = perturbVariants(base, ALL, 1);
  assert.equal(vs.map((v) => v.id), ALL.map((k) => `${base.id}~${k}`));
  for (const v of vs) {
    assert.is(v.meta!.base, base.id);
    assert.ok(!('perturb' in v.meta!));
    assert.ok(v.input !== base.input || v.meta!.perturbation === 'reorder');
  }
  assert.is(vs.find((v) => v.meta!.perturbation === 'trad')!.input, '某銀行理財產品年化收益率為3.5%，投資10000元一年後的收益是多少？請選擇正確答案。'.replace('後', '后'));
});

test('random kinds differ across seeds', () => {
  for (const kind of ['typo', 'width', 'space', 'reorder'] as PerturbKind[]) {
    const seen = new Set<string>();
    for (let seed = 0; seed < 20; seed++) seen.add(JSON.stringify(perturbCase(base, kind, seed)));
    assert.ok(seen.size > 1, `${kind}: ${seen.size} distinct variants over 20 seeds`);
  }
});

test('reorder: a real permutation, and the correct option text is unchanged', () => {
  fc.assert(
    fc.property(fc.integer(), fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 8 }), fc.nat(), (seed, choices, a) => {
      const c: Case = { ...base, choices, answer: a % choices.length };
      const v = perturbCase(c, 'reorder', seed)!;
      assert.equal([...v.choices!].sort(), [...choices].sort());
      assert.is(v.choices![v.answer!], choices[c.answer!]);
      assert.not.equal(v.choices, choices);
    }),
    { numRuns: 200, seed: 3 },
  );
});

test('width and punct only swap forms; space only adds spaces; typo changes by one edit', () => {
  fc.assert(
    fc.property(fc.integer(), (seed) => {
      const w = perturbCase(base, 'width', seed)!.input;
      assert.is(w.normalize('NFKC'), base.input.normalize('NFKC'));
      const s = perturbCase(base, 'space', seed)!.input;
      assert.is(s.replace(/ /g, ''), base.input);
      const t = [...perturbCase(base, 'typo', seed)!.input];
      assert.ok(Math.abs(t.length - [...base.input].length) <= 1);
    }),
    { numRuns: 100, seed: 11 },
  );
  const p = perturbCase(base, 'punct', 5)!.input;
  const fold = (s: string) => s.replace(/，/g, ',').replace(/。/g, '.').replace(/？/g, '?');
  assert.is(fold(p), fold(base.input));
});

test('kinds that do not apply give no variant; unknown kinds are ignored', () => {
  const plain: Case = { ...base, id: 'x', input: 'abc', choices: undefined, answer: undefined, task: 'exact', expected: 'abc', meta: { perturb: ['trad', 'punct', 'reorder', 'nope', 'trad'] } };
  assert.equal(requestedKinds(plain), ['trad', 'punct', 'reorder']);
  assert.equal(expandPerturbations([plain], 1), [plain]);
  const none = [{ ...base, meta: {} }];
  assert.is(expandPerturbations(none, 1), none);
});

test('expanded variants feed robustness consistency', () => {
  const cases = expandPerturbations([base], 9);
  const choice = scorers.get('choice');
  const scores = cases.map((c) => choice.score(c, { output: `答案是${'ABCD'[c.id.endsWith('~typo') ? (c.answer! + 1) % 4 : c.answer!]}` }));
  const rows = groupScores(cases, scores);
  assert.is(rows.length, 6);
  assert.equal(rows.filter((r) => r.value === 0).map((r) => r.caseId), [`group:${base.id}/${base.id}~typo`]);
});

test.run();
