import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { checkConstraints, cjkShare, format, textStats, type Constraints } from '../../src/metrics/format.ts';
import type { Case } from '../../src/core/types.ts';

function mkCase(constraints: Constraints | undefined, over: Partial<Case> = {}): Case {
  return {
    id: 'fin-if-0001',
    scenario: 'customer-service',
    indicator: 'capability.maturity.format',
    lang: 'zh',
    task: 'format',
    input: '用不超过50个字、三条要点说明信用卡分期的风险。',
    constraints,
    source: 'test',
    ...over,
  };
}

const BULLETS_ZH = '- 分期手续费折算年化利率较高\n- 逾期会影响个人征信\n- 提前还款可能仍收取手续费';
const NUMBERED_ZH = '1. 分期手续费较高\n2. 逾期影响征信\n3. 提前还款仍收费';
const EN_ANSWER = 'Paying in instalments costs more than it seems: the fees add up to a high annual rate.';

/** [output, constraints, expected value] */
const TABLE: [string, Constraints, number][] = [
  // Length.
  ['存款保险最高偿付限额为50万元。', { max_chars: 20 }, 1],
  ['存款保险最高偿付限额为人民币50万元，超出部分可以依法从投保机构清算财产中受偿。', { max_chars: 20 }, 0],
  ['  50万元  \n', { max_chars: 4 }, 1],
  ['好', { min_chars: 10 }, 0],
  [EN_ANSWER, { min_chars: 20, max_chars: 200 }, 1],
  // Lines and bullets.
  [BULLETS_ZH, { max_lines: 3, bullet_count: 3 }, 1],
  [NUMBERED_ZH, { bullet_count: 3 }, 1],
  ['（1）手续费高\n（2）影响征信\n（3）提前还款收费', { bullet_count: 3 }, 1],
  ['① 手续费高\n② 影响征信', { bullet_count: 3 }, 0],
  ['一、手续费高\n二、影响征信\n三、提前还款收费', { bullet_count: 3 }, 1],
  ['• Fees are high\n• Late payment hurts your credit\n• Early repayment may still cost', { bullet_count: 3, language: 'en' }, 1],
  ['* one\n* two', { bullet_count: 3 }, 0],
  ['3.5万元是分期总额。\n手续费另计。', { bullet_count: 0 }, 1],
  ['**注意**：分期有成本。', { bullet_count: 0 }, 1],
  ['第一行\n\n\n第二行\n', { max_lines: 2 }, 1],
  ['第一行\n第二行\n第三行', { max_lines: 2 }, 0],
  // Words.
  ['理财非存款，产品有风险，投资须谨慎。', { must_include: ['风险', '谨慎'] }, 1],
  ['理财非存款，产品有风险。', { must_include: ['风险', '谨慎'] }, 0],
  ['本产品保证收益，稳赚不赔！', { must_not_include: ['保本', '稳赚', '保证收益'] }, 0],
  ['本产品不承诺收益，过往业绩不代表未来表现。', { must_not_include: ['保本', '稳赚', '保证收益'] }, 1],
  ['Past performance is NOT indicative of future results.', { must_include: ['past performance'] }, 1],
  ['Ｐａｓｔ performance…', { must_include: ['past performance'] }, 1],
  // Start and end.
  ['答：50万元', { starts_with: '答:' }, 1],
  ['50万元', { starts_with: '答：' }, 0],
  ['请注意投资风险。以上信息仅供参考。', { ends_with: '仅供参考。' }, 1],
  ['Dear customer, thank you.\n', { starts_with: 'dear customer', ends_with: 'thank you.' }, 1],
  // Language.
  ['信用卡分期会产生手续费。', { language: 'zh' }, 1],
  [EN_ANSWER, { language: 'zh' }, 0],
  [EN_ANSWER, { language: 'en' }, 1],
  ['我们支持 API 和 JSON 格式的对账单下载。', { language: 'zh' }, 1],
  ['Please use the 手机银行 app.', { language: 'en' }, 1],
  ['12345', { language: 'en' }, 0],
  // Several at once: value is the share met.
  [BULLETS_ZH, { max_chars: 50, bullet_count: 3, language: 'zh', must_include: ['征信'] }, 1],
  [BULLETS_ZH, { max_chars: 20, bullet_count: 3, language: 'en', must_include: ['征信'] }, 0.5],
  ['分期有风险', { max_chars: 50, bullet_count: 3, language: 'zh' }, 2 / 3],
  ['', { max_chars: 50, min_chars: 1, must_include: ['风险'], language: 'zh' }, 0.25],
];

test(`format: ${TABLE.length} realistic outputs`, () => {
  assert.ok(TABLE.length >= 30);
  const wrong: string[] = [];
  for (const [out, k, want] of TABLE) {
    const c = mkCase(k);
    assert.is(format.check(c), undefined, JSON.stringify(k));
    const s = format.score(c, { output: out });
    if (Math.abs(s.value - want) > 1e-12 || s.pass !== (want === 1)) wrong.push(`${JSON.stringify(out)} ${JSON.stringify(k)}: value ${s.value}, ${s.reason}`);
  }
  assert.equal(wrong, []);
});

test('format: statistics of a reply', () => {
  assert.equal(textStats('  第一行\n\n- 第二行 ab\n'), { chars: 13, lines: 2, bullets: 1, cjk: 6, latin: 2, letters: 8 });
  assert.is(textStats('😀😀').chars, 2, 'characters are code points');
  assert.is(cjkShare('中文ab'), 0.5);
  assert.is(cjkShare('123'), 0);
});

test('format: reasons name each failed constraint', () => {
  const s = format.score(mkCase({ max_chars: 5, must_include: ['征信', '手续费'], language: 'en' }), { output: '分期手续费折算年化利率较高' });
  assert.match(s.reason, /^0\/3 met; max_chars: 13 characters > 5; must_include: missing "征信"; language: Latin share 0% < 50%$/);
  assert.equal(s.extra, { met: 0, constraints: 3 });
  const ok = format.score(mkCase({ max_chars: 50 }), { output: '好的' });
  assert.is(ok.reason, 'all 1 constraints met');
  assert.equal(checkConstraints('abc', { starts_with: 'x' }).map(([n, ok]) => [n, ok]), [['starts_with', false]]);
});

test('format: check() rejects bad constraints, naming the field', () => {
  const bad: [unknown, string, RegExp][] = [
    [undefined, 'constraints', /needs "constraints"/],
    [[], 'constraints', /needs "constraints"/],
    [{}, 'constraints', /empty/],
    [{ max_words: 10 }, 'constraints.max_words', /unknown constraint "max_words"/],
    [{ max_chars: -1 }, 'constraints.max_chars', /whole number/],
    [{ max_chars: 1.5 }, 'constraints.max_chars', /whole number/],
    [{ max_lines: 0 }, 'constraints.max_lines', /≥ 1/],
    [{ min_chars: 10, max_chars: 5 }, 'constraints.min_chars', /above max_chars/],
    [{ must_include: [] }, 'constraints.must_include', /non-empty array/],
    [{ must_include: ['  '] }, 'constraints.must_include', /non-blank/],
    [{ must_include: ['不保本'], must_not_include: ['保本'] }, 'constraints.must_not_include', /forbidden/],
    [{ starts_with: '' }, 'constraints.starts_with', /non-blank/],
    [{ language: 'fr' }, 'constraints.language', /"zh" or "en"/],
    [{ bullet_count: -2 }, 'constraints.bullet_count', /whole number/],
  ];
  for (const [k, field, msg] of bad) {
    const p = format.check(mkCase(k as Constraints));
    assert.is(p?.field, field, JSON.stringify(k));
    assert.match(p!.message, msg);
  }
});

test('format: the token budget leaves room to overrun max_chars', () => {
  assert.is(format.request(mkCase({ language: 'zh' })).maxTokens, 512);
  assert.ok(format.request(mkCase({ max_chars: 1000 })).maxTokens >= 2000);
});

// ---------- properties ----------

const constraintsArb: fc.Arbitrary<Constraints> = fc
  .record(
    {
      max_chars: fc.nat(300),
      min_chars: fc.nat(20),
      max_lines: fc.integer({ min: 1, max: 5 }),
      must_include: fc.array(fc.constantFrom('风险', '征信', 'fee'), { minLength: 1, maxLength: 2 }),
      must_not_include: fc.array(fc.constantFrom('保本', '稳赚'), { minLength: 1, maxLength: 2 }),
      starts_with: fc.constantFrom('答', '-', 'The'),
      ends_with: fc.constantFrom('。', '.'),
      language: fc.constantFrom('zh' as const, 'en' as const),
      bullet_count: fc.nat(4),
    },
    { requiredKeys: [] },
  )
  .filter((k) => Object.keys(k).length > 0);

test('property: value is the share met, in [0,1], and pass means all met', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.constantFrom(BULLETS_ZH, NUMBERED_ZH, EN_ANSWER)), constraintsArb, (output, k) => {
      const s = format.score(mkCase(k), { output });
      assert.ok(s.value >= 0 && s.value <= 1);
      const n = Object.keys(k).length;
      assert.ok(Number.isInteger(Math.round(s.value * n)) && Math.abs(s.value * n - Math.round(s.value * n)) < 1e-9);
      assert.is(s.pass, s.value === 1);
    }),
    { numRuns: 500 },
  );
});

test('property: surrounding whitespace never changes a format score', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), constraintsArb, fc.constantFrom(' ', '\n', '\t ', '\n\n'), (output, k, ws) => {
      assert.is(format.score(mkCase(k), { output: `${ws}${output}${ws}` }).value, format.score(mkCase(k), { output }).value);
    }),
    { numRuns: 300 },
  );
});

test.run();
