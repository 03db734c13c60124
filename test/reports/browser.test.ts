import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { cli, ROOT, tempDir } from '../helpers/fixtures.ts';
import { inspect, launch } from '../helpers/browser.ts';

const t = tempDir('mg-browser-');
const payloads = readFileSync(join(ROOT, 'fixtures/xss/payloads.txt'), 'utf8').split('\n').filter(Boolean);
const shots = join(ROOT, 'test-results');
let browser: Browser;
let bundle: string;

test.before(async () => {
  // A suite and recorded replies full of payloads: in case inputs, options, expected answers,
  // suite and scenario names, and model outputs (the replies are wrong, so they are shown).
  const suite = join(t.dir, 'xss-suite');
  mkdirSync(join(suite, 'cases'), { recursive: true });
  const q = (s: string) => JSON.stringify(s);
  writeFileSync(
    join(suite, 'suite.yaml'),
    [
      'id: xss', 'version: 1.0.0', 'industry: test', 'profile: ci',
      `name: {zh: ${q(`套件 ${payloads[0]}`)}, en: ${q(`suite ${payloads[1]}`)}}`,
      'scenarios:',
      `  - {id: s1, name: {zh: ${q(`场景 ${payloads[2]}`)}, en: ${q(`scenario ${payloads[3]}`)}}, threshold: 0.5}`,
      'prompts:',
      '  exact: {zh: "{{input}}", en: "{{input}}"}',
      '  choice: {zh: "{{input}}", en: "{{input}}"}',
    ].join('\n'),
  );
  const cases = payloads.map((p, i) =>
    i % 2
      ? { id: `x${i}`, scenario: 's1', indicator: 'capability.performance.calculation', lang: i % 4 === 1 ? 'zh' : 'en', task: 'exact', input: `Q ${p}`, expected: `42 ${p}`, source: 'xss corpus' }
      : { id: `x${i}`, scenario: 's1', indicator: 'capability.performance.knowledge', lang: 'en', task: 'choice', input: `Q ${p}`, choices: [`A ${p}`, 'B', 'C', 'D'], answer: 0, source: 'xss corpus' },
  );
  writeFileSync(join(suite, 'cases/x.jsonl'), cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
  const replay = join(t.dir, 'replies.jsonl');
  const reply = (i: number) => ({ caseId: `x${i}`, phase: 'main', status: 'ok', output: `wrong ${payloads[(i + 5) % payloads.length]}`, timing: { startedAt: '2026-01-01T00:00:00.000Z', latencyMs: 10 + i } });
  writeFileSync(replay, cases.map((_, i) => JSON.stringify(reply(i))).join('\n') + '\n');
  bundle = join(t.dir, 'bundle');
  const r = cli(['run', '--suite', suite, '--model', `replay:${replay}`, '--out', bundle, '--lang', 'zh']);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  mkdirSync(shots, { recursive: true });
  browser = await launch();
});
test.after(async () => {
  await browser?.close();
  t.cleanup();
});

for (const lang of ['zh', 'en'] as const) {
  test(`${lang} scorecard: loads with no console errors, no requests, no CSP violations, no script run`, async () => {
    const out = join(t.dir, `scorecard-${lang}.html`);
    const r = cli(['report', bundle, '--format', 'html', '--lang', lang]);
    assert.is(r.code, 0, r.stderr);
    writeFileSync(out, readFileSync(join(bundle, 'scorecard.html')));
    const page = await inspect(browser, out, join(shots, `xss-scorecard-${lang}.png`));
    assert.equal(page.consoleErrors, []);
    assert.equal(page.requests, []);
    assert.equal(page.violations, []);
    assert.equal(page.dialogs, []);
    assert.is(page.pwned, undefined);
    // The payloads are shown as text.
    assert.ok(page.text.includes('<script>window.__pwned=1</script>'), 'suite name payload shown as text');
    assert.ok(page.text.includes('<img src=x onerror="window.__pwned=2">') || page.text.includes('<img src=x onerror="window.__pwned=2">'));
    const shown = payloads.filter((p) => page.text.includes(p.trim()));
    assert.ok(shown.length >= payloads.length - 2, `only ${shown.length} of ${payloads.length} payloads shown literally`);
    assert.ok(page.text.includes(lang === 'zh' ? '指标明细' : 'Indicators'), 'labels in the chosen language');
  });
}

test('the default run scorecard (zh and en) renders cleanly, screenshots saved for people', async () => {
  const run = join(t.dir, 'default');
  const r = cli(['run', '--out', run, '--lang', 'zh']);
  assert.is(r.code, 0, r.stderr);
  for (const lang of ['zh', 'en'] as const) {
    assert.is(cli(['report', run, '--format', 'html', '--lang', lang]).code, 0);
    const file = join(t.dir, `default-${lang}.html`);
    writeFileSync(file, readFileSync(join(run, 'scorecard.html')));
    const page = await inspect(browser, file, join(shots, `scorecard-${lang}.png`));
    assert.equal(page.consoleErrors, []);
    assert.equal(page.requests, []);
    assert.equal(page.violations, []);
    for (const d of lang === 'zh' ? ['模型开发', '模型能力', '模型运营', '模型应用', '模型可信'] : ['Development', 'Capability', 'Operations', 'Application', 'Trustworthiness']) {
      assert.ok(page.text.includes(d), `${d} shown`);
    }
    assert.match(page.text, /VALID/);
  }
  const png = readFileSync(join(shots, 'scorecard-zh.png'));
  assert.ok(png.length > 50_000 && png.subarray(1, 4).toString() === 'PNG', 'a real screenshot was written');
});

test.run();
