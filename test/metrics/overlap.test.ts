import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { keywordCoverage, lcsLength, overlap, overlapTokens, rougeL } from '../../src/metrics/overlap.ts';
import type { Case } from '../../src/core/types.ts';

const REF_ZH = '存款保险的最高偿付限额为人民币50万元，超出部分可从投保机构清算财产中受偿。';
const REF_EN = 'The deposit insurance limit is 500,000 yuan per depositor per bank; amounts above it are paid from the liquidation of the bank.';

function mkCase(over: Partial<Case> = {}): Case {
  return {
    id: 'fin-sum-0001',
    scenario: 'customer-service',
    indicator: 'capability.performance.summarisation',
    lang: 'zh',
    task: 'overlap',
    input: '用一句话概括存款保险的偿付规则。',
    expected: REF_ZH,
    source: 'test',
    ...over,
  };
}

type Row = [output: string, over: Partial<Case>, pass: boolean];
const EN: Partial<Case> = { lang: 'en', expected: REF_EN };

/** [output, case fields, pass at the default threshold 0.5] */
const TABLE: Row[] = [
  [REF_ZH, {}, true],
  ['存款保险最高偿付限额是人民币50万元，超过的部分从投保机构的清算财产中受偿。', {}, true],
  ['存款保险 最高 偿付 限额 为 人民币 50 万元 ， 超出 部分 可 从 投保 机构 清算 财产 中 受偿', {}, true],
  ['最高偿付五十万元，超出部分参与清算受偿。', {}, true],
  ['存款保险最高赔付50万元。', {}, false],
  ['好的，根据《存款保险条例》第五条规定，存款保险实行限额偿付，最高偿付限额为人民币50万元。同一存款人在同一家投保机构所有被保险存款账户的存款本金和利息合并计算的资金数额在最高偿付限额以内的，实行全额偿付；超出最高偿付限额的部分，依法从投保机构清算财产中受偿。', {}, false], // recall 1, but a long-winded reply loses precision
  ['理财产品不属于存款保险的保障范围。', {}, false],
  ['抱歉，我无法回答。', {}, false],
  ['', {}, false],
  ['The maximum payout is 500,000 yuan.', {}, false],
  // Several references: the best counts.
  ['限额50万元，超出部分清算受偿。', { expected: ['每户最高赔付50万元', '限额50万元，超出部分从清算财产中受偿'] }, true],
  ['限额50万元，超出部分清算受偿。', { expected: ['每户最高赔付100万元', '与限额无关的内容完全不同'] }, false],
  // Keywords.
  ['最高偿付限额为50万元。', { keywords: ['50万', '清算'] }, false],
  ['最高偿付限额为50万元，超出部分从清算财产中受偿。', { keywords: ['50万', '清算'] }, true],
  ['最高赔付五十万元，超出部分清算受偿。', { keywords: [['50万', '五十万'], '清算'] }, true],
  ['最高赔付五十万元', { keywords: [['50万', '五十万'], '清算'], threshold: 0.3 }, true],
  // Thresholds.
  ['存款保险最高赔付50万元。', { threshold: 0.3 }, true],
  [REF_ZH, { threshold: 1 }, true],
  ['存款保险的最高偿付限额为人民币50万元', { threshold: 0.9 }, false],
  // English.
  [REF_EN, EN, true],
  ['the deposit insurance limit is 500,000 yuan per depositor per bank, and amounts above it are paid from the liquidation of the bank', EN, true],
  ['Deposit insurance covers up to 500,000 yuan per depositor per bank; anything above that is paid out of the bank\'s liquidation.', EN, true],
  ['Each depositor is covered up to 500,000 yuan at each bank; the excess is repaid from liquidation proceeds.', EN, false],
  ['The limit is 500,000 yuan.', EN, false],
  ['I cannot answer that question.', EN, false],
  ['Sure! In short: the deposit insurance limit is 500,000 yuan per depositor per bank, and amounts above it are paid from the liquidation of the bank. Let me know if you have further questions.', EN, true],
  ['The limit is 500,000 yuan; the rest comes from liquidation.', { ...EN, keywords: ['500,000', 'liquidation'], threshold: 0.6 }, true],
  ['The limit is 500,000 yuan.', { ...EN, keywords: ['500,000', 'liquidation'], threshold: 0.6 }, false],
  ['Amounts above the limit get paid from the liquidated assets.', { ...EN, keywords: [['liquidation', 'liquidated'], 'limit'], threshold: 0.6 }, true],
  ['They liquidate the banks.', { ...EN, keywords: ['bank'], threshold: 0.4 }, false],
  ['存款保险的最高偿付限额为人民币50万元，超出部分可从投保机构清算财产中受偿。', { lang: 'en', expected: REF_ZH }, true],
];

test(`overlap: ${TABLE.length} realistic outputs`, () => {
  assert.ok(TABLE.length >= 30);
  const wrong: string[] = [];
  for (const [out, over, want] of TABLE) {
    const c = mkCase(over);
    assert.is(overlap.check(c), undefined, JSON.stringify(over));
    const s = overlap.score(c, { output: out });
    if (s.pass !== want) wrong.push(`${JSON.stringify(out.slice(0, 40))}: ${s.reason}`);
  }
  assert.equal(wrong, []);
});

test('overlap: exact ROUGE-L F1 values', () => {
  // LCS "the cat on the mat" = 5 of 6 tokens each way.
  assert.is(rougeL('The cat sat on the mat.', 'the cat is on the mat', 'en'), 5 / 6);
  // Every reply character is in the 15-character reference, in order: P = 1, R = 10/15, F1 = 0.8.
  assert.ok(Math.abs(rougeL('存款保险限额50万元', '存款保险最高偿付限额为50万元', 'zh') - 0.8) < 1e-12);
  assert.is(rougeL('完全无关', '存款保险', 'zh'), 0);
  assert.is(rougeL('', '存款保险', 'zh'), 0);
  assert.is(lcsLength(['a', 'b', 'c', 'b', 'd', 'a', 'b'], ['b', 'd', 'c', 'a', 'b', 'a']), 4);
  assert.equal(overlapTokens('存款 保险，50万！', 'zh'), ['存', '款', '保', '险', '5', '0', '万']);
  assert.equal(overlapTokens("Don't PANIC: 42 apples.", 'en'), ["don't", 'panic', '42', 'apples']);
});

test('overlap: value mixes F1 and keyword coverage; reasons say so', () => {
  const c = mkCase({ expected: '甲乙丙丁', keywords: ['甲', '戊'] });
  const s = overlap.score(c, { output: '甲乙丙丁' });
  assert.is(s.value, 0.75, 'mean of F1 1 and coverage 1/2');
  assert.equal(s.extra, { rougeL: 1, keywords: 0.5 });
  assert.match(s.reason, /ROUGE-L F1 1\.00; keywords 1\/2, missing "戊"; value 0\.75 ≥ 0\.5/);
  const multi = overlap.score(mkCase({ expected: ['无关', '甲乙'] }), { output: '甲乙' });
  assert.match(multi.reason, /reference 2 of 2/);
  assert.equal(keywordCoverage('The loans are due.', ['loan'], 'en'), { coverage: 0, missing: ['loan'] }, 'en keywords match whole words');
  assert.equal(keywordCoverage('贷 款 到 期', ['贷款'], 'zh'), { coverage: 1, missing: [] });
});

test('overlap: check() names the bad field', () => {
  assert.is(overlap.check(mkCase()), undefined);
  assert.is(overlap.check(mkCase({ expected: undefined }))?.field, 'expected');
  assert.match(overlap.check(mkCase({ expected: '。，！' }))!.message, /no characters/);
  assert.match(overlap.check(mkCase({ lang: 'en', expected: '...' }))!.message, /no words/);
  assert.is(overlap.check(mkCase({ keywords: [] }))?.field, 'keywords');
  assert.is(overlap.check(mkCase({ keywords: [[]] as unknown as string[] }))?.field, 'keywords');
  assert.is(overlap.check(mkCase({ keywords: ['，'] }))?.field, 'keywords');
  assert.is(overlap.check(mkCase({ threshold: 1.5 }))?.field, 'threshold');
  const r = overlap.request(mkCase());
  assert.ok(r.maxTokens >= 256 && r.maxTokens <= 2048);
});

// ---------- properties ----------

test('property: the overlap value is in [0,1] for any reply, with pass at the threshold', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: fc.constantFrom(...'存款保险最高偿付限额50万元， the limit is yuan.'.split('')) })),
      fc.constantFrom<Partial<Case>>({}, EN, { keywords: ['50万', ['清算', '受偿']] }, { ...EN, keywords: ['limit'], threshold: 0.2 }),
      (output, over) => {
        const c = mkCase(over);
        const s = overlap.score(c, { output });
        assert.ok(s.value >= 0 && s.value <= 1, String(s.value));
        assert.is(s.pass, s.value >= (c.threshold ?? 0.5));
      },
    ),
    { numRuns: 500 },
  );
});

const zhText = fc.string({ unit: fc.constantFrom(...'存款保险最高偿付限额为人民币50万元超出部分清算财产中受偿ABc，。！、'.split('')), maxLength: 40 });

test('property: zh scores do not depend on whitespace', () => {
  fc.assert(
    fc.property(zhText, fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '\t', '\u3000', '\u00a0', '  ')), { maxLength: 8 }), (reply, inserts) => {
      let spaced = reply;
      for (const [at, ws] of inserts) {
        const i = at % (spaced.length + 1);
        spaced = spaced.slice(0, i) + ws + spaced.slice(i);
      }
      const c = mkCase({ keywords: ['50万', ['清算', '受偿']] });
      assert.is(overlap.score(c, { output: spaced }).value, overlap.score(c, { output: reply }).value, JSON.stringify(spaced));
    }),
    { numRuns: 400 },
  );
});

test('property: ROUGE-L F1 is symmetric, 1 on identical texts, and LCS never exceeds either length', () => {
  fc.assert(
    fc.property(zhText, zhText, (a, b) => {
      assert.is(rougeL(a, b, 'zh'), rougeL(b, a, 'zh'));
      if (overlapTokens(a, 'zh').length) assert.is(rougeL(a, a, 'zh'), 1);
      const ta = overlapTokens(a, 'zh');
      const tb = overlapTokens(b, 'zh');
      assert.ok(lcsLength(ta, tb) <= Math.min(ta.length, tb.length));
    }),
    { numRuns: 300 },
  );
});

test.run();
