import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { cli, ROOT, tempDir } from '../helpers/fixtures.ts';

const FIXTURE = join(ROOT, 'fixtures/data-audit/train.jsonl');
const t = tempDir('mg-data-');
const bundle = join(t.dir, 'run');
const read = (f: string) => readFileSync(f, 'utf8');
const json = (f: string) => JSON.parse(read(f));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
let run: { code: number; stdout: string; stderr: string };

test.before(() => {
  run = cli(['run', '--sample', '30', '--profile', 'ci', '--train-data', FIXTURE, '--out', bundle]);
});
test.after(() => t.cleanup());

test('data-audit prints the figures of the fixture, with line numbers of invalid lines', () => {
  const r = cli(['data-audit', FIXTURE]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /format: text; records: 195/);
  assert.match(r.stdout, /exact duplicates: 1 /);
  assert.match(r.stdout, /line 6: not valid JSON/);
  assert.match(r.stdout, /line 195: missing or non-string field\(s\): text/);
  assert.match(r.stdout, /labels \(category\): 9 classes/);
  assert.match(r.stdout, new RegExp(`sha256 ${sha(FIXTURE)}`));
  assert.not.match(r.stdout, /contamination/);
});

test('data-audit --json --suite adds contamination; the verbatim cases are flagged', () => {
  const r = cli(['data-audit', FIXTURE, '--suite', 'finance', '--json']);
  assert.is(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.is(d.file.sha256, sha(FIXTURE));
  assert.is(d.quality.counts.duplicate, 1);
  assert.ok(d.quality.counts['near-duplicate'] >= 1);
  assert.equal(d.quality.invalidLines.map((x: { line: number }) => x.line), [6, 195]);
  assert.ok(d.quality.pii.hits >= 2);
  const texts = read(FIXTURE);
  const cases = readFileSync(join(ROOT, 'suites/finance/cases/customer-service.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const byId = new Map(d.contamination.perCase.map((x: { caseId: string; contaminated: boolean }) => [x.caseId, x.contaminated]));
  // Chinese cases copied verbatim (English ones here are shorter than a 13-word n-gram: never flagged).
  const verbatim = cases.filter((c) => c.lang === 'zh' && texts.includes(JSON.stringify(c.input).slice(1, -1)));
  assert.ok(verbatim.length > 5);
  for (const c of verbatim) assert.is(byId.get(c.id), true, c.id);
  assert.ok(d.contamination.contaminated < d.contamination.cases, 'not every case is contaminated');
});

test('data-audit: a missing file or a file of no known record exits 2 naming the line', () => {
  const missing = cli(['data-audit', join(t.dir, 'nope.jsonl')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /not found/);
  const bad = join(t.dir, 'bad.jsonl');
  writeFileSync(bad, '\nnot json\n{"x":1}\n');
  const r = cli(['data-audit', bad]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /bad\.jsonl:2: .*not valid JSON/);
});

test('run --train-data: development.data.* in scorecard.json, figures in run.json and the manifest', () => {
  assert.ok(run.code === 0 || run.code === 3, run.stderr);
  const audit = json(join(bundle, 'data-audit.json'));
  const sc = json(join(bundle, 'scorecard.json'));
  const q = sc.indicators.find((i: { id: string }) => i.id === 'development.data.quality');
  const c = sc.indicators.find((i: { id: string }) => i.id === 'development.data.contamination');
  assert.ok(Math.abs(q.value - audit.quality.value) < 1e-12);
  assert.ok(q.value > 0 && q.value < 1);
  const flags = audit.contamination.perCase.map((x: { contaminated: boolean }) => x.contaminated);
  assert.is(flags.length, 30);
  assert.is(c.n, 30);
  assert.ok(Math.abs(c.value - flags.filter((f: boolean) => !f).length / 30) < 1e-12);
  assert.ok(flags.includes(true) && flags.includes(false), 'the sample holds both kinds');
  const scores = read(join(bundle, 'scores.jsonl')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const row = scores.find((s: { indicator: string; value: number }) => s.indicator === 'development.data.contamination' && s.value === 0);
  assert.match(row.reason, /overlap with the training data \d+\.\d%.*contaminated/);
  const runJson = json(join(bundle, 'run.json'));
  const m = json(join(bundle, 'manifest.json'));
  for (const fig of [runJson.resolved.trainData, m.predicate.facts.options.resolved.trainData]) {
    assert.is(fig.sha256, sha(FIXTURE));
    assert.is(fig.duplicates, 1);
    assert.is(fig.invalidLines, 2);
    assert.is(fig.labelBalance.classes, 9);
    assert.ok(Math.abs(fig.contaminationShare - flags.filter(Boolean).length / 30) < 1e-12);
  }
  assert.ok(m.subject.some((s: { name: string }) => s.name === 'data-audit.json'));
  // The training data's content is never copied into the bundle.
  assert.not.ok(read(join(bundle, 'data-audit.json')).includes('客户本人'));
  assert.not.ok(read(join(bundle, 'manifest.json')).includes('客户本人'));
});

test('rescore gives the same scorecard and verify accepts the bundle', () => {
  const before = read(join(bundle, 'scorecard.json'));
  const scoresBefore = read(join(bundle, 'scores.jsonl'));
  const r = cli(['rescore', bundle]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  assert.is(read(join(bundle, 'scorecard.json')), before);
  assert.is(read(join(bundle, 'scores.jsonl')), scoresBefore);
  const v = cli(['verify', bundle]);
  assert.is(v.code, 0, v.stdout + v.stderr);
});

test('verify notices an edited data-audit.json', () => {
  const f = join(bundle, 'data-audit.json');
  const d = json(f);
  d.contamination.perCase[0].contaminated = !d.contamination.perCase[0].contaminated;
  writeFileSync(f, JSON.stringify(d, null, 2) + '\n');
  const v = cli(['verify', bundle]);
  assert.is(v.code, 1);
  assert.match(v.stdout + v.stderr, /data-audit\.json|scores\.jsonl/);
});

test.run();
