import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { extractAnswer, extractNumbers, numeric } from '../../src/metrics/numeric.ts';
import type { Case } from '../../src/core/types.ts';

function mkCase(over: Partial<Case> = {}): Case {
  return {
    id: 'fin-fc-0101',
    scenario: 'financial-calculation',
    indicator: 'capability.performance.calculation',
    lang: 'zh',
    task: 'numeric',
    input: '某理财产品本金10000元，年化收益率3%，持有一年，利息是多少元？',
    expected: '300',
    source: 'test',
    ...over,
  };
}

/** [model output, the number the reply gives as its answer (null: none)] */
const EXTRACT: [string, number | null][] = [
  ['300', 300],
  ['300元', 300],
  ['答案：300元', 300],
  ['答案约为 1,234.5 元。', 1234.5],
  ['利息为300元。', 300],
  ['根据公式，利息 = 本金 × 利率 × 时间 = 10000 × 3% × 1 = 300 元。', 300],
  ['计算：100×12=1200，减去30得1170，所以答案是1170。', 1170],
  ['答案是1170。验算：100×12=1200，再减去30。', 1170],
  ['好的，我来计算一下。首先，10000元按3%计息，一年利息为300元；两年合计600元。', 600],
  ['该公司2023年营收为3.5万元。', 35000],
  ['总资产约1.2亿元', 120000000],
  ['市值约为2.3万亿元', 2.3e12],
  ['净利润为 -1,200 元', -1200],
  ['净利润：(1,200)', -1200],
  ['(1,200)', -1200],
  ['本期亏损(¥3,450.00)元', -3450],
  ['负500元', -500],
  ['答案：１２３．５元', 123.5],
  ['答案是１，２３４元', 1234],
  ['合计 1 234 567 元', 1234567],
  ['¥1,500', 1500],
  ['RMB 2,000', 2000],
  ['结果为USD 3,000.50', 3000.5],
  ['€250', 250],
  ['£99.99', 99.99],
  ['年化收益率为12.5%', 12.5],
  ['收益率是百分之4.5', 4.5],
  ['The answer is 42.', 42],
  ['The total comes to $1,234.56.', 1234.56],
  ['Revenue was about 1.2 million dollars.', 1200000],
  ['The result is approximately 3.14.', 3.14],
  ['Answer: **42**', 42],
  ['Final answer: $\\boxed{128}$', 128],
  ['Step 1: 12 × 10 = 120. Step 2: 120 + 8 = 128. So the answer is 128.', 128],
  ['The answer is 1170. Check: 100 × 12 = 1200, minus 30.', 1170],
  ['It is 2.5 bn.', 2.5e9],
  ['First, 5 apples; then 7 more; 12 in all', 12],
  ['答案是第3季度，收入为500万元', 5000000],
  ['三个季度依次 100，200，300', 300],
  ['分别为100，200，300', 100], // the first value after the cue "为"; a Chinese comma never groups thousands
  ['（1）本金10000元；（2）利率3%；答案：300元', 300],
  ['Q3 revenue: 450', 450],
  ['体重5千克', 5],
  ['It is 1.5e6.', 1500000],
  ['我无法确定。', null],
  ['The answer cannot be computed without the rate.', null],
  ['', null],
];

test(`extractAnswer: ${EXTRACT.length} realistic outputs`, () => {
  assert.ok(EXTRACT.length >= 30);
  const wrong: string[] = [];
  for (const [out, want] of EXTRACT) {
    const got = extractAnswer(out);
    const v = got === null ? null : got.value;
    const same = v === want || (v !== null && want !== null && Math.abs(v - want) <= 1e-9 * Math.max(1, Math.abs(want)));
    if (!same) wrong.push(`${JSON.stringify(out)}: got ${v}, want ${want}`);
  }
  assert.equal(wrong, []);
});

test('extractNumbers: separators, signs and parentheses', () => {
  const vals = (t: string) => extractNumbers(t).map((n) => n.value);
  assert.equal(vals('1,234,567 and 1 234 567'), [1234567, 1234567]);
  assert.equal(vals('(1) 第一步 (2) 第二步'), [1, 2], 'list markers are not accounting negatives');
  assert.equal(vals('《条例》(2015)'), [2015]);
  assert.equal(vals('净增长（1,200）元'), [1200], 'full-width parentheses are a Chinese aside');
  assert.equal(vals('10 - 5'), [10, 5], 'a detached minus is a difference, not a sign');
  assert.equal(vals('$-1,200 and -$1,200 and −7'), [-1200, -1200, -7]);
  assert.equal(vals('v1.2.3'), [], 'a version string is no number');
  assert.equal(vals('CO2 and H2O'), []);
  const p = extractNumbers('增长12.5%，即12.5个百分点，或125‰');
  assert.equal(p.map((n) => [n.value, n.percent]), [[12.5, '%'], [12.5, '%'], [125, '‰']]);
});

test('extractAnswer: long runs of cue words and spaces are read correctly', () => {
  assert.is(extractAnswer(`答案${'约为'.repeat(500)}第5`)?.rank, 0, 'a cue followed by a non-filler is no cue');
  assert.is(extractAnswer(`答案${'约为'.repeat(20)} 7`)?.rank, 2);
  assert.is(extractAnswer(`${' '.repeat(5000)}第5`)?.value, 5);
  assert.is(extractAnswer(`${'1 '.repeat(3000)}= 9`)?.value, 9);
});

// ---------- the scorer ----------

/** [output, case fields, pass] */
const SCORE: [string, Partial<Case>, boolean][] = [
  ['利息为300元', {}, true],
  ['利息为301元', {}, false],
  ['利息为301元', { tolerance: 1 }, true],
  ['利息为302元', { tolerance: 1 }, false],
  ['约为 1,234,000', { expected: '1234567', rel_tolerance: 0.001 }, true],
  ['约为 1,230,000', { expected: '1234567', rel_tolerance: 0.001 }, false],
  ['约为 1,230,000', { expected: '1234567', tolerance: 10, rel_tolerance: 0.01 }, true],
  ['3.5万元', { expected: '35000' }, true],
  ['35000元', { expected: '3.5万' }, true],
  ['1.2亿', { expected: '120000000' }, true],
  ['(1,200)', { expected: '-1200' }, true],
  ['答案：300 或 600', { expected: ['600', '300'] }, true],
  // Percentages.
  ['增长率为12.5%', { expected: '12.5', unit: '%' }, true],
  ['增长率为0.125', { expected: '12.5', unit: '%' }, true],
  ['增长率为12.5', { expected: '12.5%', unit: '%' }, true],
  ['增长率为125‰', { expected: '12.5', unit: '%' }, true],
  ['The rate is 0.125%', { expected: '12.5', unit: '%' }, false],
  ['The rate is 12.5%', { expected: '0.125' }, false],
  ['The rate is 0.125', { expected: '12.5' }, false],
  ['The rate is 12.5%', { expected: '12.5' }, true],
  ['我无法计算。', {}, false],
];

test(`numeric scorer: ${SCORE.length} outputs against case fields`, () => {
  const wrong: string[] = [];
  for (const [out, over, want] of SCORE) {
    const c = mkCase(over);
    assert.is(numeric.check(c), undefined, `case ${JSON.stringify(over)} should be valid`);
    const s = numeric.score(c, { output: out });
    if (s.pass !== want || s.value !== (want ? 1 : 0)) wrong.push(`${JSON.stringify(out)} ${JSON.stringify(over)}: ${s.reason}`);
  }
  assert.equal(wrong, []);
});

test('numeric scorer: reasons and extras', () => {
  const ok = numeric.score(mkCase(), { output: '答案约为 300 元。' });
  assert.is(ok.caseId, 'fin-fc-0101');
  assert.is(ok.indicator, 'capability.performance.calculation');
  assert.equal(ok.extra, { extracted: 300, extractable: 1 });
  assert.match(ok.reason, /extracted 300, expected 300/);
  const none = numeric.score(mkCase(), { output: '抱歉，缺少条件。' });
  assert.is(none.value, 0);
  assert.equal(none.extra, { extracted: null, extractable: 0 });
  assert.match(none.reason, /no number found/);
  const frac = numeric.score(mkCase({ expected: '12.5', unit: '%' }), { output: '0.125' });
  assert.match(frac.reason, /read as 12\.5%/);
  const tol = numeric.score(mkCase({ tolerance: 0.5 }), { output: '299' });
  assert.match(tol.reason, /expected 300 \(±0\.5\)/);
});

test('numeric scorer: check() names the bad field', () => {
  assert.is(numeric.check(mkCase()), undefined);
  assert.is(numeric.check(mkCase({ expected: undefined }))?.field, 'expected');
  const none = numeric.check(mkCase({ expected: '三百' }));
  assert.is(none?.field, 'expected');
  assert.match(none!.message, /holds no number/);
  assert.match(numeric.check(mkCase({ expected: '100-200' }))!.message, /holds 2 numbers/);
  const pct = numeric.check(mkCase({ expected: '12.5%' }));
  assert.is(pct?.field, 'unit');
  assert.match(pct!.message, /set "unit": "%"/);
  assert.is(numeric.check(mkCase({ expected: '12.5%', unit: '%' })), undefined);
  assert.is(numeric.check(mkCase({ tolerance: -1 }))?.field, 'tolerance');
  assert.is(numeric.check(mkCase({ rel_tolerance: Number.NaN }))?.field, 'rel_tolerance');
  assert.is(numeric.check(mkCase({ unit: 'kg' as '%' }))?.field, 'unit');
  assert.ok(numeric.request(mkCase()).maxTokens >= 64);
});

// ---------- properties ----------

test('property: the numeric value is 0 or 1 for any reply, with a consistent pass', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: fc.constantFrom(...'0123456789,.-+() %万亿元$¥答案为is='.split('')) })), fc.boolean(), (output, pct) => {
      const s = numeric.score(mkCase(pct ? { expected: '12.5', unit: '%' } : {}), { output });
      assert.ok(s.value === 0 || s.value === 1);
      assert.is(s.pass, s.value === 1);
      assert.type(s.reason, 'string');
    }),
    { numRuns: 500 },
  );
});

/** A number written the ways replies write them, with its value. */
const writtenNumber = fc
  .tuple(
    fc.integer({ min: 0, max: 999_999_999 }),
    fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }),
    fc.constantFrom('', ',', ' '),
    fc.constantFrom('', '-'),
    fc.constantFrom('', '¥', '$', 'RMB '),
    fc.constantFrom(['', 0], ['万', 4], ['亿', 8], [' million', 6]) as fc.Arbitrary<[string, number]>,
    fc.constantFrom('', '元', ' 元', ' dollars'),
  )
  .map(([int, frac, sep, sign, cur, [mult, pow], unit]) => {
    const intText = sep ? int.toLocaleString('en-US').replace(/,/g, sep) : String(int);
    const text = `${sign}${cur}${intText}${frac === undefined ? '' : `.${frac}`}${mult}${unit}`;
    const value = (sign ? -1 : 1) * Number(`${int}${frac === undefined ? '' : `.${frac}`}e${pow}`);
    return { text, value: value === 0 ? 0 : value };
  });

const PRE = ['', '答案：', '答案是', '答案约为 ', '经过计算，结果为', '好的。最终答案是 **', 'The answer is ', 'Sure! The result is approximately ', 'Answer: ', '所以，'];
const POST = ['', '。', '.', '**。', '（仅供参考）', '，请以银行实际计算为准。', ' — hope this helps!', '\n\n如有疑问请咨询客服。'];

test('property: surrounding chatter does not change the extracted number', () => {
  fc.assert(
    fc.property(writtenNumber, fc.constantFrom(...PRE), fc.constantFrom(...POST), ({ text, value }, pre, post) => {
      const alone = extractAnswer(text);
      assert.ok(alone !== null, text);
      assert.is(alone!.value, value, text);
      const chatty = extractAnswer(`${pre}${text}${post}`);
      assert.is(chatty?.value, value, `${pre}${text}${post}`);
    }),
    { numRuns: 400 },
  );
});

const fullWidth = (s: string) => s.replace(/[0-9.%+\-$]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0));

test('property: full-width digits read as their ASCII forms', () => {
  fc.assert(
    fc.property(writtenNumber, fc.constantFrom(...PRE), fc.constantFrom(...POST), ({ text }, pre, post) => {
      const reply = `${pre}${text}${post}`;
      assert.is(extractAnswer(fullWidth(reply))?.value, extractAnswer(reply)?.value, fullWidth(reply));
    }),
    { numRuns: 300 },
  );
  assert.is(extractAnswer('答案：１２，３４５')?.value, 12345, 'a full-width comma between full-width digits groups thousands');
});

test('property: the scorer passes a written number against its own value, with or without chatter', () => {
  fc.assert(
    fc.property(writtenNumber, fc.constantFrom(...PRE), fc.constantFrom(...POST), ({ text, value }, pre, post) => {
      const c = mkCase({ expected: String(value) });
      assert.is(numeric.check(c), undefined, String(value));
      assert.is(numeric.score(c, { output: `${pre}${text}${post}` }).pass, true, `${pre}${text}${post}`);
      const off = mkCase({ expected: String(value + 1 + Math.abs(value) * 0.01) });
      assert.is(numeric.score(off, { output: `${pre}${text}${post}` }).pass, false);
    }),
    { numRuns: 300 },
  );
});

test.run();
