import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditFile, auditLines, jaccard, normaliseText, shingles } from '../../src/metrics/data-quality.ts';
import { tempDir } from '../helpers/fixtures.ts';

const L = (...texts: string[]) => texts.map((text, i) => ({ line: i + 1, text }));
const rec = (text: string, extra: Record<string, unknown> = {}) => JSON.stringify({ text, ...extra });

const A = '客户经理应当向客户充分揭示理财产品的风险等级，并确认客户的风险承受能力评估结果仍在有效期内，方可办理购买手续。销售过程应当全程录音录像，留存客户签字确认的风险揭示书，并在产品成立后的五个工作日内向客户发送成交确认与持仓信息。';
const B = 'The bank must verify the identity of every customer opening an account and keep the records for at least five years after the account is closed, and it must report any transaction it suspects of money laundering without delay.';
const C = '信用卡逾期后，银行应当按照合同约定计收利息和违约金，不得收取未经公示的其他费用。';
const D = 'Quarterly interest on savings deposits is credited on the twentieth day of the last month of each quarter.';

test('exact duplicates: normalised text (case, width, whitespace) — the first occurrence is kept', () => {
  const r = auditLines(L(rec(B), rec(B.toUpperCase()), rec('  ' + B.replace(/ /g, '   ')), rec(A), rec(A.replace('，', ',')), rec(D)));
  assert.is(r.records, 6);
  assert.is(r.counts.duplicate, 3); // upper-cased, re-spaced; the full-width comma folds to ','
  assert.is(r.counts.clean, 3);
  assert.is(r.value, 0.5);
  assert.is(normaliseText(' Ａb\n c '), 'ab c');
});

test('near duplicates: a few edited characters are found, unrelated texts are not', () => {
  const edited = A.replace('充分', '充份').replace('五个', '三个'); // two characters changed
  const editedEn = B.replace('five years', 'nine years').replace('delay', 'delays'); // a few characters edited
  const r = auditLines(L(rec(A), rec(B), rec(C), rec(D), rec(edited), rec(editedEn)));
  assert.is(r.counts['near-duplicate'], 2);
  assert.equal(r.nearPairs, [[1, 5], [2, 6]]);
  assert.is(r.counts.clean, 4);
  assert.ok(jaccard(shingles(normaliseText(A)), shingles(normaliseText(edited))) >= 0.8);
  // Unrelated texts (even of one topic and language) are never paired.
  const u = auditLines(L(rec(A), rec(C), rec(B), rec(D), rec('储蓄存款利息按季结算，每季度末月的二十日为结息日。')));
  assert.is(u.counts['near-duplicate'], 0);
  assert.is(u.counts.clean, 5);
  // A heavier rewrite falls below 0.8.
  const far = auditLines(L(rec(A), rec(A.slice(0, 25) + '以及其他与本次交易相关的全部信息和材料。')));
  assert.is(far.counts['near-duplicate'], 0);
});

test('invalid and empty records are reported with their line numbers', () => {
  const lines = [rec(A), '{"text": "cut', '', '[1,2]', JSON.stringify({ prompt: 'p' }), rec('   '), rec(42 as unknown as string), rec(B)];
  const r = auditLines(lines.map((text, i) => ({ line: i + 1, text })));
  assert.is(r.format, 'text');
  assert.is(r.records, 7); // the blank line is not a record
  assert.is(r.counts.invalid, 4);
  assert.equal(r.invalidLines.map((x) => x.line), [2, 4, 5, 7]);
  assert.match(r.invalidLines[0].reason, /not valid JSON/);
  assert.match(r.invalidLines[1].reason, /not a JSON object/);
  assert.match(r.invalidLines[2].reason, /text/);
  assert.is(r.counts.empty, 1);
  assert.is(r.counts.clean, 2);
  assert.is(r.value, 2 / 7);
});

test('record shapes are detected: messages, instruction, prompt/completion', () => {
  const m = auditLines(L(JSON.stringify({ messages: [{ role: 'user', content: A }, { role: 'assistant', content: 'ok' }] }), JSON.stringify({ messages: [{ role: 'user' }] }), JSON.stringify({ messages: [{ role: 'user', content: B }] })));
  assert.is(m.format, 'messages');
  assert.is(m.counts.invalid, 1);
  assert.equal(m.invalidLines.map((x) => x.line), [2]);
  const i = auditLines(L(JSON.stringify({ instruction: A, input: '', output: 'x' }), JSON.stringify({ instruction: B, output: 'y' }), JSON.stringify({ text: C })));
  assert.is(i.format, 'instruction');
  assert.equal(i.invalidLines.map((x) => x.line), [3]);
  const p = auditLines(L(JSON.stringify({ prompt: A, completion: 'a' }), JSON.stringify({ prompt: B, completion: '' })));
  assert.is(p.format, 'prompt');
  assert.is(p.counts.clean, 2);
});

test('PII: hits per 1,000 characters and share of records', () => {
  const p1 = '请联系 13812345678 或发邮件到 zhang.san@example.com 办理。';
  const p2 = 'Card 4111 1111 1111 1111 was reported lost.';
  const r = auditLines(L(rec(p1), rec(p2), rec(A), rec(B)));
  assert.is(r.pii.hits, 3);
  assert.is(r.pii.recordsWithPii, 2);
  assert.is(r.pii.recordShare, 0.5);
  const chars = p1.length + p2.length + A.length + B.length;
  assert.is(r.pii.chars, chars);
  assert.ok(Math.abs(r.pii.perThousandChars - (3000 / chars)) < 1e-12);
  assert.is(r.counts.pii, 2);
  assert.is(r.value, 0.5);
});

test('label balance: entropy ratio and largest class share', () => {
  const texts = [A, B, C, D, A + '一', B + ' x', C + '二', D + ' y'];
  const labels = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'c'];
  const r = auditLines(L(...texts.map((t, i) => rec(t.repeat(1) + ` #${i}`, { label: labels[i] }))));
  assert.ok(r.labels);
  assert.is(r.labels!.field, 'label');
  assert.is(r.labels!.classes, 3);
  assert.is(r.labels!.largestClass, 'a');
  assert.is(r.labels!.largestShare, 6 / 8);
  const h = -(0.75 * Math.log(0.75) + 2 * 0.125 * Math.log(0.125));
  assert.ok(Math.abs(r.labels!.entropyRatio - h / Math.log(3)) < 1e-12);
  const even = auditLines(L(rec(A, { category: 'x' }), rec(B, { category: 'y' })));
  assert.is(even.labels!.field, 'category');
  assert.ok(Math.abs(even.labels!.entropyRatio - 1) < 1e-12);
  assert.is(auditLines(L(rec(A))).labels, null);
});

test('auditFile reads a JSONL file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'd.jsonl');
    writeFileSync(file, [rec(A), rec(A), 'oops', rec(B)].join('\n') + '\n');
    const r = await auditFile(file);
    assert.is(r.records, 4);
    assert.is(r.counts.duplicate, 1);
    assert.equal(r.invalidLines.map((x) => x.line), [3]);
    assert.is(r.value, 0.5);
  } finally {
    cleanup();
  }
});

test.run();
