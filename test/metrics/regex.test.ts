import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePattern, regex } from '../../src/metrics/regex.ts';
import { taskChecker } from '../../src/metrics/index.ts';
import { CaseSchema } from '../../src/core/schemas.ts';
import { InputError } from '../../src/core/errors.ts';
import { loadSuite } from '../../src/suites/load.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import type { Case } from '../../src/core/types.ts';

function mkCase(over: Partial<Case> = {}): Case {
  return {
    id: 'fin-fmt-0001',
    scenario: 'customer-service',
    indicator: 'capability.maturity.format',
    lang: 'zh',
    task: 'regex',
    input: '请只回复还款日期，格式为YYYY-MM-DD。',
    pattern: String.raw`^\d{4}-\d{2}-\d{2}$`,
    source: 'test',
    ...over,
  };
}

/** [output, case fields, pass] */
const TABLE: [string, Partial<Case>, boolean][] = [
  ['2024-06-30', {}, true],
  ['  2024-06-30\n', {}, true],
  ['2024/06/30', {}, false],
  ['还款日期：2024-06-30', {}, false],
  ['还款日期：2024-06-30', { pattern: String.raw`\d{4}-\d{2}-\d{2}` }, true],
  ['APPROVED', { pattern: '^(approved|rejected)$', flags: 'i' }, true],
  ['approved, pending review', { pattern: '^(approved|rejected)$', flags: 'i' }, false],
  ['风险等级：R3', { pattern: '风险等级[:：]\\s*R[1-5]' }, true],
  ['风险等级: R6', { pattern: '风险等级[:：]\\s*R[1-5]' }, false],
  ['第一行\n第二行', { pattern: '^第二行$', flags: 'm' }, true],
  ['第一行\n第二行', { pattern: '^第二行$' }, false],
  ['😀 ok', { pattern: '^\\p{Extended_Pictographic}', flags: 'u' }, true],
];

test(`regex scorer: ${TABLE.length} outputs`, () => {
  const wrong: string[] = [];
  for (const [out, over, want] of TABLE) {
    const c = mkCase(over);
    assert.is(regex.check(c), undefined, JSON.stringify(over));
    const s = regex.score(c, { output: out });
    if (s.pass !== want || s.value !== (want ? 1 : 0)) wrong.push(`${JSON.stringify(out)} ${JSON.stringify(over)}: ${s.reason}`);
  }
  assert.equal(wrong, []);
});

test('regex scorer: reasons', () => {
  const ok = regex.score(mkCase({ pattern: 'R[1-5]' }), { output: '等级为R3' });
  assert.match(ok.reason, /matched "R3" at 3/);
  const no = regex.score(mkCase(), { output: 'tomorrow' });
  assert.match(no.reason, /no match for \/\^\\d\{4\}/);
});

test('regex scorer: check() rejects a pattern that does not compile, naming the problem', () => {
  const open = regex.check(mkCase({ pattern: '(unclosed' }));
  assert.is(open?.field, 'pattern');
  assert.match(open!.message, /does not compile: Unterminated group/);
  const cls = regex.check(mkCase({ pattern: '[a-' }));
  assert.is(cls?.field, 'pattern');
  assert.match(cls!.message, /Unterminated character class/);
  const order = regex.check(mkCase({ pattern: 'a{3,1}' }));
  assert.is(order?.field, 'pattern');
  assert.match(order!.message, /out of order/);
  const prop = regex.check(mkCase({ pattern: '\\p{NoSuchProperty}', flags: 'u' }));
  assert.is(prop?.field, 'pattern');
  assert.match(prop!.message, /Invalid property name/);
  assert.is(regex.check(mkCase({ pattern: undefined }))?.field, 'pattern');
});

test('regex scorer: check() rejects bad and stateful flags', () => {
  assert.is(regex.check(mkCase({ flags: 'g' }))?.field, 'flags');
  assert.match(regex.check(mkCase({ flags: 'y' }))!.message, /"y" not allowed/);
  assert.is(regex.check(mkCase({ flags: 'x' }))?.field, 'flags');
  assert.is(regex.check(mkCase({ flags: 'ii' }))?.field, 'flags');
  assert.is(regex.check(mkCase({ flags: 'uv' }))?.field, 'flags');
  assert.is(regex.check(mkCase({ flags: 'ims' })), undefined);
  assert.ok(regex.request(mkCase()).maxTokens > 0);
});

test('property: a non-compiling pattern is always rejected by check(); a compiling one never is', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'ab()[]{}*+?\\|^$.,1-'.split('')), maxLength: 12 }).filter((p) => p.length > 0), (pattern) => {
      let compiles = true;
      try {
        new RegExp(pattern);
      } catch {
        compiles = false;
      }
      const problem = regex.check(mkCase({ pattern }));
      if (compiles) assert.is(problem, undefined, pattern);
      else {
        assert.is(problem?.field, 'pattern', pattern);
        assert.match(problem!.message, /does not compile/);
        assert.type(compilePattern(pattern), 'string');
      }
    }),
    { numRuns: 500 },
  );
});

test('property: the regex value is 0 or 1 for any reply', () => {
  fc.assert(
    fc.property(fc.string(), fc.constantFrom('^\\d+$', '风险', 'a|b', '^$'), (output, pattern) => {
      const s = regex.score(mkCase({ pattern }), { output });
      assert.ok(s.value === 0 || s.value === 1);
      assert.is(s.pass, s.value === 1);
      assert.is(s.pass, new RegExp(pattern).test(output.trim()));
    }),
    { numRuns: 300 },
  );
});

// ---------- through the suite loader (what `validate` runs, before any model is called) ----------

test('the suite loader rejects a case whose pattern does not compile, naming file, line and field', async () => {
  const catalog = await loadCatalog();
  const dir = mkdtempSync(join(tmpdir(), 'mg-regex-'));
  try {
    mkdirSync(join(dir, 'cases'));
    writeFileSync(
      join(dir, 'suite.yaml'),
      ['id: t', 'version: 0.0.1', 'industry: finance', 'name: {zh: 测试, en: Test}', 'scenarios:', '  - {id: s, name: {zh: 场景, en: Scenario}, threshold: 0.5}', 'prompts:', '  regex: {zh: "{{input}}", en: "{{input}}"}', ''].join('\n'),
    );
    const line = (pattern: string, id: string) => JSON.stringify({ id, scenario: 's', indicator: 'capability.performance.knowledge', lang: 'zh', task: 'regex', input: '日期？', pattern, source: 'test' });
    writeFileSync(join(dir, 'cases', 'a.jsonl'), `${line('^\\d{4}$', 'c1')}\n${line('([0-9]', 'c2')}\n`);
    let err: unknown;
    try {
      await loadSuite(dir, { indicators: new Set(catalog.items.keys()), tasks: taskChecker });
    } catch (e) {
      err = e;
    }
    assert.instance(err, InputError);
    const e = err as InputError;
    assert.match(e.message, /pattern "\(\[0-9\]" does not compile: Unterminated group/);
    assert.is(e.loc.line, 2);
    assert.is(e.loc.field, 'pattern');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CaseSchema: the judging fields are typed, and unknown fields are still refused', () => {
  const base = { id: 'x1', scenario: 's', indicator: 'i', lang: 'zh', task: 'regex', input: 'q', source: 't' };
  const ok = CaseSchema.safeParse({
    ...base,
    tolerance: 0.5,
    rel_tolerance: 0.01,
    unit: '%',
    pattern: 'a',
    flags: 'i',
    schema: { type: 'object' },
    constraints: { max_chars: 10, language: 'zh', must_include: ['a'] },
    keywords: ['a', ['b', 'c']],
    threshold: 0.6,
    planted: ['13812345678'],
  });
  assert.ok(ok.success, JSON.stringify(ok.error?.issues));
  for (const bad of [{ tolerance: -1 }, { unit: 'kg' }, { schema: [] }, { constraints: { max_words: 3 } }, { keywords: [] }, { threshold: 2 }, { planted: [] }, { pattren: 'a' }]) {
    assert.not.ok(CaseSchema.safeParse({ ...base, ...bad }).success, JSON.stringify(bad));
  }
});

test.run();
