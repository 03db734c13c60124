import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync, readFileSync, cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT, tempDir } from '../helpers/fixtures.ts';

const t = tempDir('mg-cmd-');
test.after(() => t.cleanup());

test('--help and --version exit 0; unknown commands and options exit 2', () => {
  const h = cli(['--help']);
  assert.is(h.code, 0);
  for (const c of ['run', 'rescore', 'report', 'validate', 'list']) assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
  assert.is(cli(['--version']).code, 0);
  assert.is(cli(['frobnicate']).code, 2);
  const o = cli(['run', '--no-such-flag']);
  assert.is(o.code, 2);
  assert.match(o.stderr, /unknown option/);
  assert.is(cli(['run', '--lang', 'fr']).code, 2);
});

test('validate prints the suite figures; list shows suites, indicators, profiles, models', () => {
  const v = cli(['validate', 'finance']);
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, /suite finance 0\.1\.0: \d+ cases, 9 scenarios — OK/);
  assert.match(v.stdout, /languages: .*zh \d+.*en \d+|languages: .*en \d+.*zh \d+/);
  assert.match(cli(['list', 'suites']).stdout, /^finance\s/m);
  const ind = cli(['list', 'indicators']).stdout;
  for (const d of ['development', 'capability', 'operations', 'application', 'trustworthiness']) assert.match(ind, new RegExp(`^${d} `, 'm'));
  assert.match(ind, /\(E\)/);
  assert.match(cli(['list', 'profiles']).stdout, /^certification\s.*\n^ci\s/m);
  assert.match(cli(['list', 'models']).stdout, /ref-strong .*\(default\)/);
  const bad = cli(['list', 'suits']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /did you mean "suites"/);
});

test('unknown suite, model or profile: exit 2 with one clear message and a suggestion', () => {
  const out = join(t.dir, 'never');
  const s = cli(['run', '--suite', 'financ', '--out', out]);
  assert.is(s.code, 2);
  assert.match(s.stderr, /unknown suite "financ".*did you mean "finance"/);
  const m = cli(['run', '--model', 'ref-strnog', '--out', out]);
  assert.is(m.code, 2);
  assert.match(m.stderr, /unknown model "ref-strnog".*did you mean "ref-strong"/);
  const p = cli(['run', '--profile', 'certfication', '--out', out]);
  assert.is(p.code, 2);
  assert.match(p.stderr, /did you mean "certification"/);
  const n = cli(['run', '--concurrency', 'zero', '--out', out]);
  assert.is(n.code, 2);
  assert.match(n.stderr, /--concurrency/);
  assert.ok(!existsSync(out), 'no bundle folder left behind');
  assert.is(s.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
});

test('a suite with a bad case line is refused before any model is called, naming file and line', () => {
  const dir = join(t.dir, 'badsuite');
  cpSync(join(ROOT, 'suites/finance'), dir, { recursive: true });
  const f = join(dir, 'cases/risk-fraud.jsonl');
  const ls = readFileSync(f, 'utf8').split('\n');
  const c = JSON.parse(ls[2]);
  c.answer = 7;
  ls[2] = JSON.stringify(c);
  writeFileSync(f, ls.join('\n'));
  const v = cli(['validate', dir]);
  assert.is(v.code, 2);
  assert.match(v.stderr, /cases\/risk-fraud\.jsonl:3 field "answer": answer index 7 is out of range \(0\.\.3\)/);
  const out = join(t.dir, 'bad-run');
  const r = cli(['run', '--suite', dir, '--out', out]);
  assert.is(r.code, 2);
  assert.ok(!existsSync(join(out, 'manifest.json')));
});

test('a non-empty output folder that is no bundle is refused', () => {
  const out = join(t.dir, 'occupied');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const r = cli(['run', '--out', out]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /not empty/);
  assert.is(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');
});

test('untrusted text from suites and models is escaped in every report', () => {
  const dir = join(t.dir, 'xss');
  mkdirSync(join(dir, 'cases'), { recursive: true });
  writeFileSync(
    join(dir, 'suite.yaml'),
    [
      'id: xss', 'version: 1.0.0', 'industry: test', 'profile: ci',
      'name: {zh: "<b>套件</b>", en: "<b>suite</b>"}',
      'scenarios:', '  - {id: s1, name: {zh: "<i>场景</i>", en: "<i>scenario</i>"}, threshold: 0.5}',
      'prompts:', '  exact: {zh: "{{input}}", en: "{{input}}"}',
    ].join('\n'),
  );
  const payloads = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>', '</script><script>alert(3)</script>', '{{constructor.constructor "alert(4)"}}', '<svg onload=alert(5)>', 'javascript:alert(6)'];
  const cases = payloads.map((p, i) => ({ id: `x${i}`, scenario: 's1', indicator: 'capability.performance.calculation', lang: 'en', task: 'exact', input: `Q ${p}`, expected: `42 ${p}`, source: 'test' }));
  writeFileSync(join(dir, 'cases/x.jsonl'), cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
  const replay = join(t.dir, 'xss-responses.jsonl');
  writeFileSync(replay, cases.map((c, i) => JSON.stringify({ caseId: c.id, phase: 'main', status: 'ok', output: `answer ${payloads[(i + 1) % payloads.length]}`, timing: { startedAt: '2026-01-01T00:00:00.000Z', latencyMs: 1 } })).join('\n') + '\n');
  const out = join(t.dir, 'xss-bundle');
  const r = cli(['run', '--suite', dir, '--model', `replay:${replay}`, '--out', out, '--lang', 'en']);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  const html = readFileSync(join(out, 'scorecard.html'), 'utf8');
  assert.not.match(html, /<script/i);
  assert.not.match(html, /<img/i);
  assert.not.match(html, /<svg onload/i);
  assert.not.match(html, /<b>suite/);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /\{\{constructor\.constructor/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;|content="default-src 'none'/);
  const md = readFileSync(join(out, 'summary.md'), 'utf8');
  assert.not.match(md, /<b>/);
  const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
  assert.not.match(junit, /<script/);
});

test.run();
