import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/fixtures.ts';

const t = tempDir('mg-cli-');
const bundle = join(t.dir, 'strong');
const read = (f: string) => readFileSync(f, 'utf8');
const json = (f: string) => JSON.parse(read(f));
const lines = (f: string) => read(f).split('\n').filter(Boolean).map((l) => JSON.parse(l));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
let first: { code: number; stdout: string; stderr: string };

test.before(() => {
  first = cli(['run', '--out', bundle]);
});
test.after(() => t.cleanup());

test('run on the embedded defaults writes a complete, VALID bundle and prints the summary', () => {
  assert.is(first.code, 0, first.stderr);
  for (const f of ['manifest.json', 'responses.jsonl', 'scores.jsonl', 'scorecard.json', 'scorecard.html', 'summary.md', 'junit.xml', 'run.json']) {
    assert.ok(existsSync(join(bundle, f)), `${f} missing`);
  }
  assert.match(first.stdout, /finance 0\.1\.0 · ref-strong/);
  assert.match(first.stdout, /Validity\s+VALID/);
  for (const d of ['development', 'capability', 'operations', 'application', 'trustworthiness']) assert.match(first.stdout, new RegExp(`^  ${d}\\s`, 'm'));
  assert.match(first.stdout, /Bundle: .*strong/);
  assert.match(first.stderr, /finance × ref-strong: \d+\/\d+ \(100%\)/, 'plain progress lines in CI');
});

test('scorecard.json holds the contract fields', () => {
  const sc = json(join(bundle, 'scorecard.json'));
  assert.is(sc.suite.id, 'finance');
  assert.match(sc.suite.digest, /^[0-9a-f]{64}$/);
  assert.is(sc.model.id, 'ref-strong');
  assert.ok(sc.grade === null || /^L[1-5]$/.test(sc.grade));
  assert.is(sc.validity.valid, true);
  assert.equal(sc.validity.reasons, []);
  assert.ok(sc.validity.checks.length >= 3 && sc.validity.checks.every((c: { passed: boolean }) => c.passed));
  assert.equal(sc.dimensions.map((d: { id: string }) => d.id), ['development', 'capability', 'operations', 'application', 'trustworthiness']);
  for (const d of sc.dimensions) assert.ok(d.value === null ? typeof d.reason === 'string' : d.value >= 0 && d.value <= 100);
  const measured = sc.indicators.filter((i: { value: number | null }) => i.value !== null);
  assert.ok(measured.length >= 8);
  for (const i of measured) {
    assert.ok(i.value >= 0 && i.value <= 1 && i.ci[0] <= i.value + 1e-12 && i.value <= i.ci[1] + 1e-12 && i.n > 0, i.id);
    assert.type(i.pass, 'boolean');
    assert.ok(['development', 'capability', 'operations', 'application', 'trustworthiness'].includes(i.dimension));
  }
  for (const d of sc.dimensions) assert.ok(d.value !== null, `${d.id} measured on the default run`);
});

test('manifest lists every other file with its sha256 (in-toto Statement v1)', () => {
  const m = json(join(bundle, 'manifest.json'));
  assert.is(m._type, 'https://in-toto.io/Statement/v1');
  const names = m.subject.map((s: { name: string }) => s.name).sort();
  assert.equal(names, ['junit.xml', 'measurements.json', 'responses.jsonl', 'run.json', 'scorecard.html', 'scorecard.json', 'scores.csv', 'scores.jsonl', 'summary.md']);
  for (const s of m.subject) assert.is(s.digest.sha256, sha(join(bundle, s.name)), s.name);
  const p = m.predicate;
  assert.is(p.suite.id, 'finance');
  assert.match(p.model.digest, /^[0-9a-f]{64}$/);
  assert.is(p.facts.seed, 1);
  assert.ok(p.facts.options.requested && p.facts.options.resolved.concurrency === 1);
  assert.match(p.facts.harness.version, /^\d+\.\d+\.\d+/);
  assert.ok(p.facts.environment.node.startsWith('v'));
});

test('responses are in suite order, one per case, and every case is scored', () => {
  const rs = lines(join(bundle, 'responses.jsonl'));
  const main = rs.filter((r) => r.phase === 'main');
  const sc = json(join(bundle, 'scorecard.json'));
  assert.is(main.length, sc.counts.cases);
  assert.is(new Set(main.map((r) => r.caseId)).size, main.length);
  assert.ok(rs.some((r) => r.phase === 'repeat'), 'determinism re-asks recorded');
  const ids = main.map((r) => r.caseId);
  assert.equal(ids, [...ids].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)));
  assert.ok(main.every((r) => r.status === 'ok' && typeof r.timing.latencyMs === 'number'));
});

test('an output folder holding a finished bundle is refused and left untouched', () => {
  const before = sha(join(bundle, 'scorecard.json'));
  const r = cli(['run', '--out', bundle]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /already holds a finished bundle/);
  assert.not.match(r.stderr, /at .*\.ts:\d+/, 'no stack trace without --debug');
  assert.is(sha(join(bundle, 'scorecard.json')), before);
});

test('rescore recomputes the same scorecard from the responses, without the model', () => {
  const before = read(join(bundle, 'scorecard.json'));
  const r = cli(['rescore', bundle]);
  assert.is(r.code, 0, r.stderr);
  assert.is(read(join(bundle, 'scorecard.json')), before);
  const m = json(join(bundle, 'manifest.json'));
  assert.ok(m.predicate.facts.rescoredAt);
});

test('rescore follows edited responses (scores always come from responses.jsonl)', () => {
  const copy = join(t.dir, 'edited');
  mkdirSync(copy);
  for (const f of ['run.json', 'manifest.json', 'responses.jsonl']) copyFileSync(join(bundle, f), join(copy, f));
  const scores = lines(join(bundle, 'scores.jsonl'));
  const right = scores.find((s) => s.indicator === 'capability.performance.knowledge' && s.pass).caseId;
  const rs = lines(join(copy, 'responses.jsonl')).map((r) => (r.caseId === right && r.phase === 'main' ? { ...r, output: 'no idea', logprobs: undefined } : r));
  writeFileSync(join(copy, 'responses.jsonl'), rs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const r = cli(['rescore', copy]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  const k = (d: string) => json(join(d, 'scorecard.json')).indicators.find((i: { id: string }) => i.id === 'capability.performance.knowledge');
  assert.ok(Math.abs(k(bundle).value - k(copy).value - 1 / k(bundle).n) < 1e-9);
});

test('resume after an interrupted run: a torn journal is repaired and only missing cases are asked', () => {
  const dir = join(t.dir, 'resumed');
  mkdirSync(dir);
  copyFileSync(join(bundle, 'run.json'), join(dir, 'run.json'));
  const rs = read(join(bundle, 'responses.jsonl')).split('\n').filter(Boolean).filter((l) => JSON.parse(l).phase === 'main');
  const kept = rs.slice(0, 40);
  writeFileSync(join(dir, 'responses.jsonl'), kept.join('\n') + '\n' + rs[40].slice(0, 25));
  const r = cli(['run', '--resume', dir]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /dropped a torn last line/);
  const main = lines(join(dir, 'responses.jsonl')).filter((x) => x.phase === 'main');
  assert.is(main.length, rs.length);
  assert.is(new Set(main.map((x) => x.caseId)).size, rs.length, 'no case answered twice');
  for (let i = 0; i < 40; i++) assert.equal(main[i], JSON.parse(kept[i]), 'journaled answers kept as they were');
  const strip = (f: string) => {
    const sc = json(f);
    for (const i of sc.indicators) delete i.extra?.p50_ms, delete i.extra?.p90_ms, delete i.extra?.p99_ms;
    for (const c of sc.validity.checks) if (c.id === 'audit-caching') c.message = c.message.replace(/[\d.]+ ms/g, '… ms');
    return sc;
  };
  assert.equal(strip(join(dir, 'scorecard.json')), strip(join(bundle, 'scorecard.json')));
  assert.is(cli(['run', '--resume', dir]).code, 2, 'a finished bundle is not resumed');
});

test('replay: recorded responses re-run through the engine give the same scores', () => {
  const out = join(t.dir, 'replayed');
  const r = cli(['run', '--model', `replay:${join(bundle, 'responses.jsonl')}`, '--out', out]);
  assert.is(r.code, 0, r.stderr);
  const a = json(join(bundle, 'scorecard.json'));
  const b = json(join(out, 'scorecard.json'));
  // The deployment footprint belongs to the model as deployed, which a replay has none of: every item
  // scored from the responses is equal, and the dimensions without footprint items too.
  const fromResponses = (sc: { indicators: { id: string; value: number | null }[] }) => sc.indicators.filter((i) => !i.id.startsWith('development.deployment.')).map((i) => [i.id, i.value]);
  assert.equal(fromResponses(b), fromResponses(a));
  assert.ok(b.indicators.filter((i: { id: string; value: unknown }) => i.id.startsWith('development.deployment.')).every((i: { value: unknown }) => i.value === null));
  const dims = (sc: { dimensions: { id: string; value: number | null }[] }) => sc.dimensions.filter((d) => d.id !== 'development').map((d) => [d.id, d.value]);
  assert.equal(dims(b), dims(a));
});

test('report regenerates the chosen formats from the bundle alone', () => {
  const md = read(join(bundle, 'summary.md'));
  writeFileSync(join(bundle, 'summary.md'), 'x');
  const r = cli(['report', bundle, '--format', 'md']);
  assert.is(r.code, 0, r.stderr);
  assert.is(read(join(bundle, 'summary.md')), md);
  const bad = cli(['report', bundle, '--format', 'htlm']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /unknown format "htlm" \(did you mean "html"\?\)/);
});

test('the weaker reference model scores lower by more than the intervals', () => {
  const out = join(t.dir, 'weak');
  const r = cli(['run', '--model', 'ref-weak', '--out', out]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  const k = (d: string) => json(join(d, 'scorecard.json')).indicators.find((i: { id: string }) => i.id === 'capability.performance.knowledge');
  const strong = k(bundle);
  const weak = k(out);
  assert.ok(weak.ci[1] < strong.ci[0], `weak ${JSON.stringify(weak.ci)} vs strong ${JSON.stringify(strong.ci)}`);
  assert.ok(json(join(out, 'scorecard.json')).overall < json(join(bundle, 'scorecard.json')).overall);
});

test('a sampled run with too few cases per item is INVALID: exit 3 with the reasons', () => {
  const out = join(t.dir, 'sampled');
  const r = cli(['run', '--sample', '12', '--seed', '7', '--out', out]);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stdout, /INVALID/);
  assert.match(r.stdout, /fewer than the profile's minimum of 10/);
  const sc = json(join(out, 'scorecard.json'));
  assert.is(sc.validity.valid, false);
  assert.is(sc.counts.cases, 12);
});

test.run();
