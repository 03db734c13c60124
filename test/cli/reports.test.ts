import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT, tempDir } from '../helpers/fixtures.ts';
import { csvField } from '../../src/reports/csv.ts';

const t = tempDir('mg-reports-');
const strong = join(t.dir, 'strong');
const weak = join(t.dir, 'weak');
const read = (f: string) => readFileSync(f, 'utf8');

test.before(() => {
  assert.is(cli(['run', '--out', strong]).code, 0);
  const w = cli(['run', '--model', 'ref-weak', '--out', weak]);
  assert.ok(w.code === 0 || w.code === 3, w.stderr);
});
test.after(() => t.cleanup());

test('junit.xml: a testcase per validity rule and per measured item, failures carry the reason', () => {
  const x = read(join(weak, 'junit.xml'));
  assert.match(x, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
  const total = JSON.parse(read(join(weak, 'scorecard.json'))).counts.cases;
  assert.ok(x.includes(`<testcase classname="validity" name="responses-complete: ${total} of ${total} cases have a recorded response"/>`));
  assert.match(x, /<testcase classname="validity" name="max-error-rate: error rate 0\.0% \(maximum 5\.0%\)"\/>/);
  assert.match(x, /name="min-cases:capability\.performance\.knowledge: /);
  const k = JSON.parse(read(join(weak, 'scorecard.json'))).indicators.find((i: { id: string }) => i.id === 'capability.performance.knowledge');
  const v = (100 * k.value).toFixed(1);
  assert.ok(!k.pass, 'the weak model fails knowledge');
  assert.ok(x.includes(`<testcase classname="capability" name="capability.performance.knowledge = ${v}% (n=${k.n})"><failure message="capability.performance.knowledge ${v}% is below its floor (floor 60.0%)"/></testcase>`), x);
  const tests = Number(/<testsuites name="modelgrade" tests="(\d+)" failures="(\d+)"/.exec(x)![1]);
  assert.is(tests, (x.match(/<testcase /g) ?? []).length);
  const failures = Number(/failures="(\d+)"/.exec(x)![1]);
  assert.is(failures, (x.match(/<failure /g) ?? []).length);
});

test('scores.csv: one row per score with scenario, task, language and latency; formulas defused', () => {
  const csv = read(join(strong, 'scores.csv')).split('\r\n').filter(Boolean);
  assert.is(csv[0], 'case_id,scenario,task,lang,indicator,value,pass,status,latency_ms,reason');
  const scores = read(join(strong, 'scores.jsonl')).split('\n').filter(Boolean);
  assert.is(csv.length - 1, scores.length);
  assert.match(csv[1], /^fin-[a-z]+-\d{4},[a-z-]+,(choice|exact|refusal),(zh|en),/);
  assert.is(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.is(csvField('a,b'), '"a,b"');
  assert.is(csvField(0.5), '0.5');
});

test('compare: paired significance, flipped cases, a self-contained page', () => {
  const out = join(t.dir, 'compare.html');
  const r = cli(['compare', strong, weak, '--out', out, '--lang', 'en']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /capability\.performance\.knowledge\s+\d+\.\d%\s+\d+\.\d%\s+-\d+\.\d \(p=<0\.001\)/);
  assert.match(r.stdout, /\d+ flipped cases/);
  const html = read(out);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'sha256-/);
  assert.match(html, /McNemar exact/);
  assert.match(html, /regressed/);
  assert.not.match(html, /<script/i);
});

test('compare refuses runs of different suite digests unless --force, and says why', () => {
  const suite = join(t.dir, 'suite-copy');
  cpSync(join(ROOT, 'suites/finance'), suite, { recursive: true });
  const f = join(suite, 'cases/safety.jsonl');
  writeFileSync(f, read(f).replace('"source":"modelgrade-original"', '"source":"modelgrade-original (edited)"'));
  const other = join(t.dir, 'other-suite');
  const r = cli(['run', '--suite', suite, '--out', other]);
  assert.is(r.code, 0, r.stderr);
  const out = join(t.dir, 'cmp2.html');
  const refused = cli(['compare', strong, other, '--out', out]);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /different suites \(different digests: .*--force to compare anyway/);
  const forced = cli(['compare', strong, other, '--out', out, '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.match(read(out), /已强制比较不同摘要的套件/);
});

test('report --format csv regenerates scores.csv from the bundle', () => {
  const before = read(join(strong, 'scores.csv'));
  writeFileSync(join(strong, 'scores.csv'), '');
  assert.is(cli(['report', strong, '--format', 'csv']).code, 0);
  assert.is(read(join(strong, 'scores.csv')), before);
});

test.run();
