import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { extractChoice, choice } from '../../src/metrics/choice.ts';
import { normalizeAnswer } from '../../src/metrics/normalize.ts';
import type { Case } from '../../src/core/types.ts';

// Options of fin-cs-0001 (deposit insurance limit) and an English geography question.
const ZH = ['20万元', '50万元', '100万元', '500万元'];
const EN = ['Paris', 'London', 'Berlin', 'Madrid'];
const DATES = ['2013年1月1日', '2014年10月1日', '2015年5月1日', '2016年7月1日'];
const PCT = ['5%', '10%', '10%以上', '15%'];

/** [model output, options, expected index or null] */
const TABLE: [string, string[], number | null][] = [
  // Letter after a Chinese cue.
  ['答案是B', ZH, 1],
  ['选 B', ZH, 1],
  ['答案：Ｂ', ZH, 1],
  ['正确答案：C。', ZH, 2],
  ['答案为（Ｃ）', ZH, 2],
  ['答案应为 C', ZH, 2],
  ['答案是：B', ZH, 1],
  ['正确答案为：**C**', ZH, 2],
  ['答案选D', ZH, 3],
  ['应该选B', ZH, 1],
  ['答：B', ZH, 1],
  ['我认为是B', ZH, 1],
  ['正确的是B', ZH, 1],
  ['选项B正确', ZH, 1],
  ['**答案：B**', ZH, 1],
  ['答案是 **B. 50万元**', ZH, 1],
  ['最终答案：\\boxed{B}', ZH, 1],
  ['好的，我来回答这个问题。根据《存款保险条例》第五条，最高偿付限额为50万元，所以选B。', ZH, 1],
  ['答案：B。因为存款保险最高偿付50万元，而不是A的20万元。', ZH, 1],
  ['A、B都不对，选C', ZH, 2],
  ['我认为A和B都不对，答案是C', ZH, 2],
  // A letter opening the reply.
  ['B', ZH, 1],
  ['（B）', ZH, 1],
  ['B.', ZH, 1],
  ['**B**', ZH, 1],
  ['Ｂ', ZH, 1],
  ['[B]', ZH, 1],
  ['B:', ZH, 1],
  ['B。', ZH, 1],
  ['B项', ZH, 1],
  ['B选项', ZH, 1],
  ['D选项：500万元', ZH, 3],
  ['B) 50万元', ZH, 1],
  ['B，50万元', ZH, 1],
  ['b', ZH, 1],
  ['(b)', ZH, 1],
  ['  d.  ', ZH, 3],
  // English cues.
  ['The answer is (b)', EN, 1],
  ['I think the answer is C because Berlin is the capital of Germany.', EN, 2],
  ['The correct answer is B.', EN, 1],
  ['The correct option is B', EN, 1],
  ['Answer: D', EN, 3],
  ['Answer: B) London', EN, 1],
  ['Correct answer: (C) Berlin', EN, 2],
  ['My answer: C', EN, 2],
  ['The answer is "C"', EN, 2],
  ['The answer is: B', EN, 1],
  ['Option C', EN, 2],
  ['Choice: B', EN, 1],
  ['I would choose B.', EN, 1],
  ["I'd pick C.", EN, 2],
  ["I'd go with D", EN, 3],
  ['As an AI language model, I think the best answer is B', EN, 1],
  ['A good question! The answer is B.', EN, 1],
  ['A. Paris is wrong; the answer is B', EN, 1],
  ['A student might say A, but the answer is B', EN, 1],
  ['The answer is B, not A.', EN, 1],
  ['A is correct.', EN, 0],
  // The option's own text.
  ['50万元', ZH, 1],
  ['最高偿付限额是50万元。', ZH, 1],
  ['存款保险的最高偿付限额为人民币５０万元', ZH, 1],
  ['London', EN, 1],
  ['It is London.', EN, 1],
  ['Sure! The capital of France is Paris.', EN, 0],
  ['The answer is a bit tricky, but it is London', EN, 1],
  ['A quick look at the map says London', EN, 1],
  ['《存款保险条例》自2015年5月1日起施行。', DATES, 2],
  ['10%以上', PCT, 2],
  ['应为10%', PCT, 1],
  // Two options named, or none: never a guess.
  ['A 或 B', ZH, null],
  ['A或B', ZH, null],
  ['A和C', ZH, null],
  ['A/B', ZH, null],
  ['B, C', ZH, null],
  ['答案是B和C', ZH, null],
  ['选项A错误，选项B正确', ZH, null],
  ['20万元或50万元', ZH, null],
  ['either A or C', EN, null],
  ['Either A or C', EN, null],
  ['A or B', EN, null],
  ['The answer is B or C', EN, null],
  ['The answer is either A or C', EN, null],
  ['Both Paris and London are European capitals.', EN, null],
  ['The answer is not A, it is B', EN, null],
  ['I cannot determine the answer from the information given.', EN, null],
  ['', ZH, null],
  ['   ', ZH, null],
  ['答案是E', ZH, null],
  ['E', ZH, null],
  ['我不确定。', ZH, null],
];

test(`extractChoice: ${TABLE.length} realistic outputs`, () => {
  assert.ok(TABLE.length >= 30);
  const wrong: string[] = [];
  for (const [out, choices, want] of TABLE) {
    const got = extractChoice(out, choices);
    if (got !== want) wrong.push(`${JSON.stringify(out)}: got ${got}, want ${want}`);
  }
  assert.equal(wrong, []);
});

test('extractChoice: the number of options limits the letters', () => {
  const two = ['对', '错'];
  assert.is(extractChoice('答案是B', two), 1);
  assert.is(extractChoice('答案是C', two), null);
  const ten = Array.from({ length: 10 }, (_, i) => `选项内容${i}`);
  assert.is(extractChoice('答案是J', ten), 9);
  assert.is(extractChoice('The answer is H.', ten), 7);
});

test('extractChoice: a letter cue wins over option text that names another option', () => {
  // The explanation names option A's text, the cue names B.
  assert.is(extractChoice('答案是B，而不是20万元', ZH), 1);
  // Without a cue, two option texts are two options.
  assert.is(extractChoice('是50万元，不是20万元', ZH), null);
});

test('extractChoice: decimal option texts are not confused ("2.5%" vs "25%")', () => {
  const rates = ['2.5%', '25%', '0.25%', '250%'];
  assert.is(extractChoice('年化收益率为2.5%', rates), 0);
  assert.is(extractChoice('25%', rates), 1);
  assert.is(extractChoice('0.25%', rates), 2);
});

// ---------- the choice scorer ----------

function mkCase(over: Partial<Case> = {}): Case {
  return {
    id: 'fin-cs-0001',
    scenario: 'customer-service',
    indicator: 'capability.performance.knowledge',
    lang: 'zh',
    task: 'choice',
    input: '存款保险最高偿付限额是多少？',
    choices: [...ZH],
    answer: 1,
    source: 'test',
    ...over,
  };
}

test('choice scorer: right, wrong and unextractable answers', () => {
  const c = mkCase();
  const right = choice.score(c, { output: '答案是B' });
  assert.is(right.value, 1);
  assert.is(right.pass, true);
  assert.is(right.caseId, 'fin-cs-0001');
  assert.is(right.indicator, 'capability.performance.knowledge');
  assert.equal(right.extra, { picked: 1, extractable: 1 });
  assert.match(right.reason, /picked B, expected B/);

  const wrong = choice.score(c, { output: 'C' });
  assert.is(wrong.value, 0);
  assert.is(wrong.pass, false);
  assert.equal(wrong.extra, { picked: 2, extractable: 1 });
  assert.match(wrong.reason, /picked C, expected B/);

  const none = choice.score(c, { output: 'A 或 B' });
  assert.is(none.value, 0);
  assert.equal(none.extra, { picked: null, extractable: 0 });
  assert.match(none.reason, /no single option extracted; expected B/);
});

test('choice scorer: log-likelihood figures from logprobs and continuation tokens', () => {
  const c = mkCase({ answer: 1 });
  // Raw sums favour option A (short); per-token means favour option B (long).
  const s = choice.score(c, { output: 'B', logprobs: [-2, -6, -9, -9], continuationTokens: [1, 6, 1, 1] });
  assert.is(s.extra!.loglik, 0);
  assert.is(s.extra!.loglik_norm, 1);
  assert.is(s.value, 1, 'the generated answer decides the value, not the log-likelihood');

  const both = choice.score(c, { output: 'A', logprobs: [-9, -1, -9, -9], continuationTokens: [2, 2, 2, 2] });
  assert.is(both.extra!.loglik, 1);
  assert.is(both.extra!.loglik_norm, 1);
  assert.is(both.value, 0);
});

test('choice scorer: ties and missing figures give no log-likelihood credit', () => {
  const c = mkCase({ answer: 1 });
  const tie = choice.score(c, { output: 'B', logprobs: [-1, -1, -5, -5], continuationTokens: [1, 1, 1, 1] });
  assert.is(tie.extra!.loglik, 0, 'a tie at the top is no pick');
  assert.is(tie.extra!.loglik_norm, 0);

  const noTokens = choice.score(c, { output: 'B', logprobs: [-9, -1, -9, -9] });
  assert.is(noTokens.extra!.loglik, 1);
  assert.not.ok('loglik_norm' in noTokens.extra!, 'no continuation tokens: no normalised figure');

  const short = choice.score(c, { output: 'B', logprobs: [-9, -1] });
  assert.not.ok('loglik' in short.extra!, 'logprobs for the wrong number of options are ignored');
  assert.not.ok('loglik_norm' in short.extra!);

  const zeroTokens = choice.score(c, { output: 'B', logprobs: [-3, -2, -9, -9], continuationTokens: [0, 0, 0, 0] });
  assert.is(zeroTokens.extra!.loglik_norm, 1, 'a zero token count is treated as one token');
});

test('choice scorer: check() rejects bad task fields', () => {
  assert.is(choice.check(mkCase()), undefined);
  assert.is(choice.check(mkCase({ choices: undefined }))?.field, 'choices');
  assert.is(choice.check(mkCase({ answer: undefined }))?.field, 'answer');
  const out = choice.check(mkCase({ answer: 4 }));
  assert.is(out?.field, 'answer');
  assert.match(out!.message, /out of range \(0\.\.3\)/);
  assert.is(choice.check(mkCase({ answer: -1 }))?.field, 'answer');
  assert.is(choice.check(mkCase({ choices: Array.from({ length: 11 }, (_, i) => `o${i}`), answer: 0 }))?.field, 'choices');
});

test('choice scorer: request asks for the options as continuations', () => {
  const r = choice.request(mkCase());
  assert.equal(r.continuations, ZH);
  assert.ok(r.maxTokens > 0);
});

// ---------- properties ----------

const outputArb = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.tuple(fc.constantFrom('', '答案是', 'The answer is ', '选', '（', '**'), fc.constantFrom('A', 'B', 'c', 'Ｄ', 'E', 'a', '50万元', '或', ' or '), fc.string({ maxLength: 10 })).map((p) => p.join('')),
);

test('property: the choice score value is 0 or 1 for any output, with a consistent pass', () => {
  fc.assert(
    fc.property(outputArb, fc.integer({ min: 0, max: 3 }), (output, answer) => {
      const s = choice.score(mkCase({ answer }), { output });
      assert.ok(s.value === 0 || s.value === 1);
      assert.ok(s.value >= 0 && s.value <= 1);
      assert.is(s.pass, s.value === 1);
      const picked = s.extra!.picked;
      assert.ok(picked === null || (typeof picked === 'number' && picked >= 0 && picked < 4));
      assert.is(s.extra!.extractable, picked === null ? 0 : 1);
    }),
    { numRuns: 500 },
  );
});

// Option texts and outputs drawn without Latin letters, so only the options' text can name them.
const noLatin = fc.string({ unit: fc.constantFrom(...'0123456789万元年月日%.，。 、的是为不答案选项正确存款利率'.split('')), minLength: 1, maxLength: 8 });

test('property: extraction by option text does not depend on the order of the options', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(noLatin.filter((s) => normalizeAnswer(s) !== ''), { minLength: 2, maxLength: 6, selector: (s) => normalizeAnswer(s) }),
      fc.nat(),
      fc.string({ unit: fc.constantFrom(...'，。 的是为不0123456789'.split('')), maxLength: 6 }),
      fc.string({ unit: fc.constantFrom(...'，。 的是为不0123456789'.split('')), maxLength: 6 }),
      fc.boolean(),
      (choices, pick, pre, post, embed) => {
        const output = embed ? `${pre}${choices[pick % choices.length]}${post}` : `${pre}${post}`;
        const i = extractChoice(output, choices);
        const text = i === null ? null : choices[i];
        fc.assert(
          fc.property(fc.shuffledSubarray(choices, { minLength: choices.length, maxLength: choices.length }), (perm) => {
            const j = extractChoice(output, perm);
            assert.is(j === null ? null : perm[j], text);
          }),
          { numRuns: 10 },
        );
      },
    ),
    { numRuns: 200 },
  );
});

test('property: an option text alone, with realistic padding, is extracted under any order', () => {
  const pool = ['20万元', '50万元', '100万元', '500万元', '2015年5月1日', '62', '谨慎', '融合', '安全账户', 'Paris', 'London'];
  fc.assert(
    fc.property(
      fc.shuffledSubarray(pool, { minLength: 4, maxLength: 4 }),
      fc.nat(3),
      fc.constantFrom('', '是', '应为', '正确的说法是', 'It is ', 'The capital is '),
      fc.constantFrom('', '。', '.', '！', '（依据公开法规）'),
      (choices, k, pre, post) => {
        const want = choices[k];
        const i = extractChoice(`${pre}${want}${post}`, choices);
        assert.is(i === null ? null : choices[i], want);
      },
    ),
    { numRuns: 300 },
  );
});

test.run();
