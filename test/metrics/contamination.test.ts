import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contaminationOf, contaminationOfFile, enUnits, hash53, zhUnits } from '../../src/metrics/contamination.ts';
import { tempDir } from '../helpers/fixtures.ts';
import type { Case } from '../../src/core/types.ts';

/** Deterministic pseudo-random generator (independent of the module). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const r = lcg(42);
const zhText = (n: number) => Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(r() * 8000))).join('');
const WORDS = 'account balance credit debit interest loan rate fund bond equity risk return yield asset liability margin hedge option future swap price market trade client broker policy premium claim deposit savings transfer payment invoice audit report ledger budget forecast capital dividend'.split(' ');
const enText = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');

const mk = (id: string, lang: 'zh' | 'en', input: string, choices?: string[]): Case =>
  ({ id, scenario: 's', indicator: 'capability.performance.knowledge', lang, task: choices ? 'choice' : 'exact', input, ...(choices ? { choices, answer: 0 } : { expected: 'x' }) }) as unknown as Case;

// 20 cases: 10 zh, 10 en.
const zhCases = Array.from({ length: 10 }, (_, i) => mk(`zh-${i}`, 'zh', zhText(40), [zhText(10), zhText(10)]));
const enCases = Array.from({ length: 10 }, (_, i) => mk(`en-${i}`, 'en', enText(40)));
const cases = [...zhCases, ...enCases];
const noise = Array.from({ length: 30 }, (_, i) => (i % 2 ? zhText(60) : enText(60)));

test('zh: verbatim cases are detected, with whitespace, punctuation and full-width noise ignored', () => {
  const c1 = zhCases[1];
  const c4 = zhCases[4];
  // c4 copied with spaces and punctuation inserted and its choices on other lines (formatting must not matter).
  const spaced = Array.from(c4.input).map((ch, i) => (i % 5 === 4 ? ch + '，' : i % 7 === 0 ? ' ' + ch : ch)).join('');
  const train = [...noise, JSON.stringify({ text: `${c1.input}\nA. ${c1.choices![0]}\nB. ${c1.choices![1]}` }), spaced, c4.choices!.join('\n')];
  const res = contaminationOf(cases, train);
  const flagged = res.cases.filter((c) => c.contaminated).map((c) => c.caseId);
  assert.equal(flagged, ['zh-1', 'zh-4']);
  assert.equal(res.cases.find((c) => c.caseId === 'zh-1')!.overlap, 1);
  assert.equal(res.cases.find((c) => c.caseId === 'zh-4')!.overlap, 1);
  assert.equal(res.contaminated, 2);
  assert.equal(res.share, 2 / 20);
});

test('3 of 20 cases verbatim and one partly paraphrased: exactly the 3 at 0.5, the paraphrase too at a low threshold', () => {
  const [a, b] = [zhCases[2], zhCases[7]];
  const c = enCases[3];
  const para = enCases[6];
  const words = para.input.split(' ');
  // First 20 of 40 words kept, the rest rewritten: overlap (20-13+1)/28 of the case's word 13-grams.
  const paraphrase = [...words.slice(0, 20), ...enText(20).split(' ')].join(' ');
  const train = [...noise, JSON.stringify({ messages: [{ role: 'user', content: a.input }, { role: 'assistant', content: a.choices!.join(' ') }] }), JSON.stringify({ prompt: b.input, completion: b.choices!.join('') }), c.input.toUpperCase(), paraphrase];
  const res = contaminationOf(cases, train);
  assert.equal(res.cases.filter((x) => x.contaminated).map((x) => x.caseId), ['zh-2', 'zh-7', 'en-3']);
  const p = res.cases.find((x) => x.caseId === 'en-6')!;
  assert.ok(p.overlap > 0.2 && p.overlap < 0.5, `paraphrase overlap ${p.overlap}`);
  assert.ok(p.found > 0);
  const low = contaminationOf(cases, train, { threshold: 0.2 });
  assert.equal(low.cases.filter((x) => x.contaminated).map((x) => x.caseId), ['zh-2', 'zh-7', 'en-3', 'en-6']);
  assert.equal(low.share, 4 / 20);
  // Untouched cases have no overlap at all.
  for (const x of res.cases.filter((y) => !['zh-2', 'zh-7', 'en-3', 'en-6'].includes(y.caseId))) assert.is(x.found, 0, x.caseId);
});

test('threshold boundary: overlap equal to the threshold is contaminated', () => {
  const c = enCases[0];
  const words = c.input.split(' ');
  // 40 words → 28 word 13-grams; the first 26 words give 14 of them: exactly 0.5.
  const res = contaminationOf([c], [words.slice(0, 26).join(' ')]);
  assert.is(res.cases[0].grams, 28);
  assert.is(res.cases[0].found, 14);
  assert.is(res.cases[0].overlap, 0.5);
  assert.ok(res.cases[0].contaminated);
  assert.not.ok(contaminationOf([c], [words.slice(0, 25).join(' ')]).cases[0].contaminated);
  assert.not.ok(contaminationOf([c], [words.slice(0, 26).join(' ')], { threshold: 0.51 }).cases[0].contaminated);
});

test('n-gram lengths are configurable; cases shorter than n have no n-gram and are never contaminated', () => {
  const short = mk('short', 'zh', '存款保险条例', ['20万元', '50万元']);
  assert.is(contaminationOf([short], ['存款保险条例']).cases[0].grams, 0);
  assert.not.ok(contaminationOf([short], ['存款保险条例']).cases[0].contaminated);
  const r4 = contaminationOf([short], ['《存款保险条例》规定'], { zhN: 4 });
  assert.is(r4.cases[0].grams, 5); // 3 of the input, 1 of each 4-character choice
  assert.is(r4.cases[0].found, 3);
  assert.ok(r4.cases[0].contaminated);
  const en = mk('e', 'en', 'the deposit insurance limit is five hundred thousand yuan');
  assert.ok(contaminationOf([en], ['THE DEPOSIT insurance, limit: is five'], { enN: 3 }).cases[0].overlap > 0.5);
  assert.is(contaminationOf([en], ['the deposit insurance limit is five hundred thousand yuan']).cases[0].grams, 0);
});

test('units and hashes', () => {
  assert.equal(zhUnits('存款 保险，条例！ＡＢ'), ['存', '款', '保', '险', '条', '例', 'A', 'B']);
  assert.equal(enUnits("Don't Panic, 42 Times"), ['don', 't', 'panic', '42', 'times']);
  assert.ok(Number.isSafeInteger(hash53('abc')));
  assert.is.not(hash53('abc'), hash53('abd'));
});

test('the file is streamed line by line with the same result', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'train.jsonl');
    writeFileSync(file, [...noise, JSON.stringify({ text: enCases[9].input }), 'not json ' + zhCases[0].input].join('\n') + '\n');
    const res = await contaminationOfFile(cases, file);
    assert.equal(res.cases.filter((x) => x.contaminated).map((x) => x.caseId), ['zh-0', 'en-9']);
    assert.is(res.lines, 32);
  } finally {
    cleanup();
  }
});

test.run();
