import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { promptRenderer } from '../../src/suites/prompt.ts';
import { loadSuite } from '../../src/suites/load.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { taskChecker } from '../../src/metrics/index.ts';
import type { Case } from '../../src/core/types.ts';

const PROMPTS = {
  choice: {
    zh: '以下是一道单项选择题。\n问题：{{input}}\n{{#each choices}}{{letter @index}}. {{this}}\n{{/each}}答案：',
    en: 'Question: {{input}}\n{{#each choices}}{{letter @index}}. {{this}}\n{{/each}}Answer:',
  },
  exact: { zh: '问题：{{input}}\n答案：', en: 'Question: {{input}}\nAnswer:' },
};

function mkCase(over: Partial<Case> = {}): Case {
  return { id: 'p-1', scenario: 's', indicator: 'capability.performance.knowledge', lang: 'zh', task: 'choice', input: '存款保险最高偿付限额是多少？', choices: ['20万元', '50万元', '100万元', '500万元'], answer: 1, source: 'test', ...over };
}

const render = promptRenderer({ prompts: PROMPTS });

test('renders {{input}} and lettered options (zh and en)', () => {
  assert.is(render(mkCase()), '以下是一道单项选择题。\n问题：存款保险最高偿付限额是多少？\nA. 20万元\nB. 50万元\nC. 100万元\nD. 500万元\n答案：');
  assert.is(render(mkCase({ lang: 'en', input: 'Capital of France?', choices: ['Paris', 'London'] })), 'Question: Capital of France?\nA. Paris\nB. London\nAnswer:');
  assert.is(render(mkCase({ task: 'exact', choices: undefined, input: '利息多少元？' })), '问题：利息多少元？\n答案：');
});

test('letters go past D for long option lists', () => {
  const out = render(mkCase({ choices: Array.from({ length: 10 }, (_, i) => `选项${i}`) }));
  assert.match(out, /\nJ\. 选项9\n/);
});

test('no HTML escaping: prompts are not HTML', () => {
  const out = render(mkCase({ input: 'A & B <b>"quoted"</b> \'x\' `y` =z', choices: ['<script>', '&amp;'] }));
  assert.ok(out.includes('A & B <b>"quoted"</b> \'x\' `y` =z'), out);
  assert.ok(out.includes('A. <script>\nB. &amp;\n'), out);
});

test('template payloads in case text are data, rendered literally', () => {
  const payloads = [
    '{{constructor.constructor}}',
    '{{constructor.constructor "return process"}}',
    '{{#with "s" as |string|}}{{string.sub.apply 0 this}}{{/with}}',
    '{{{input}}}',
    '{{> partial}}',
    '{{lookup this "__proto__"}}',
    '{{letter 3}}',
    '{{!-- comment --}}',
    '{{#each choices}}{{this}}{{/each}}',
    '\\{{input}}',
  ];
  for (const p of payloads) {
    const out = render(mkCase({ input: p, choices: [p, '正常选项'] }));
    assert.ok(out.includes(`问题：${p}\n`), `input not literal: ${out}`);
    assert.ok(out.includes(`A. ${p}\n`), `choice not literal: ${out}`);
  }
});

test('the template itself cannot reach the prototype chain', () => {
  const r = promptRenderer({ prompts: { exact: { zh: '[{{constructor}}][{{input.constructor}}][{{__proto__}}][{{input.length}}]', en: 'x' } } });
  const out = r(mkCase({ task: 'exact', input: 'abc' }));
  assert.not.match(out, /function|Object|native code/);
  assert.ok(out.startsWith('[][][]'), out);
});

test('a case with no template for its task or language throws', () => {
  assert.throws(() => render(mkCase({ task: 'refusal' })), /no prompt for refusal:zh/);
});

test('a non-string template is refused (templates compile from strings only)', () => {
  assert.throws(() => promptRenderer({ prompts: { x: { zh: { type: 'Program', body: [] } as unknown as string, en: 'y' } } }), /must be a string/);
});

test('the finance suite renders every case with its input and every option', async () => {
  const catalog = await loadCatalog();
  const suite = await loadSuite('finance', { indicators: new Set(catalog.items.keys()), tasks: taskChecker });
  const r = promptRenderer(suite);
  for (const c of suite.cases) {
    const out = r(c);
    assert.ok(out.includes(c.input), c.id);
    (c.choices ?? []).forEach((ch, i) => assert.ok(out.includes(`${String.fromCharCode(65 + i)}. ${ch}\n`), `${c.id} option ${i}`));
    assert.not.match(out, /\{\{|\}\}/, c.id);
  }
});

test('property: any case text appears verbatim in the prompt', () => {
  const textArb = fc.oneof(
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    fc.array(fc.constantFrom('{{', '}}', '{{{', '}}}', '#each', '/each', 'this', '@index', 'constructor', '__proto__', '>', '!', '\\', ' ', '问'), { minLength: 1, maxLength: 12 }).map((a) => a.join('')),
  );
  fc.assert(
    fc.property(textArb, fc.array(textArb, { minLength: 2, maxLength: 5 }), (input, choices) => {
      const out = render(mkCase({ input, choices }));
      assert.ok(out.includes(`问题：${input}\n`));
      choices.forEach((ch, i) => assert.ok(out.includes(`${String.fromCharCode(65 + i)}. ${ch}\n`)));
    }),
    { numRuns: 300 },
  );
});

test.run();
