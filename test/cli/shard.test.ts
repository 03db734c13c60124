import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT, tempDir } from '../helpers/fixtures.ts';
import { parseShard, shardCases, shardOf } from '../../src/suites/shard.ts';

const t = tempDir('mg-shard-');
const single = join(t.dir, 'single');
// A frozen copy of the finance suite: every run of this file sees the same suite digest.
const suite = join(t.dir, 'suite-finance');
cpSync(join(ROOT, 'suites/finance'), suite, { recursive: true });
const shard = (i: number) => join(t.dir, `shard${i}`);
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/**
 * A scorecard without the timing figures, which differ between any two runs: latency percentiles, and
 * the caching audit (re-asked vs first-call latency medians) with its validity reason.
 */
const untimed = (f: string) => {
  const sc = json(f);
  for (const i of sc.indicators) if (i.extra) for (const k of ['p50_ms', 'p90_ms', 'p99_ms']) delete i.extra[k];
  const v = sc.validity;
  v.checks = v.checks.filter((c: { id: string }) => c.id !== 'audit-caching');
  v.details = v.details.filter((d: { code: string }) => d.code !== 'audit-caching');
  v.reasons = v.reasons.filter((r: string) => !r.startsWith('audit: answers look cached'));
  v.valid = v.reasons.length === 0;
  return sc;
};

test.before(() => {
  const r = cli(['run', '--suite', suite, '--out', single]);
  if (r.code !== 0 && r.code !== 3) throw new Error(`single run failed (${r.code}): ${r.stderr}`);
  for (let i = 0; i < 4; i++) {
    const s = cli(['run', '--suite', suite, '--shard', `${i}/4`, '--out', shard(i)]);
    if (s.code !== 0 && s.code !== 3) throw new Error(`shard ${i} failed (${s.code}): ${s.stderr}`);
  }
});
test.after(() => t.cleanup());

test('parseShard: 0-based i/n', () => {
  assert.equal(parseShard('0/4'), { index: 0, count: 4 });
  assert.equal(parseShard('3/4'), { index: 3, count: 4 });
  for (const bad of ['4/4', '1/0', '-1/4', 'a/b', '1', '1/4/2']) assert.throws(() => parseShard(bad), /--shard/);
});

test('the partition is deterministic and covers every case exactly once', () => {
  const cases = Array.from({ length: 200 }, (_, i) => ({ id: `c-${i}` })) as never[];
  const parts = [0, 1, 2, 3].map((index) => shardCases(cases, 'digest', { index, count: 4 }));
  assert.is(parts.reduce((n, p) => n + p.length, 0), 200);
  assert.is(new Set(parts.flat().map((c: { id: string }) => c.id)).size, 200);
  for (const p of parts) assert.ok(p.length > 20, 'roughly balanced');
  assert.is(shardOf('digest', 'c-7', 4), shardOf('digest', 'c-7', 4));
  assert.equal(shardCases(cases, 'digest', null), cases);
});

test('each shard records its shard in run.json and manifest, and covers its part of the cases', () => {
  const all = lines(join(single, 'responses.jsonl')).filter((r) => r.phase === 'main').length;
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    assert.equal(json(join(shard(i), 'run.json')).resolved.shard, { index: i, count: 4 });
    assert.equal(json(join(shard(i), 'manifest.json')).predicate.facts.options.resolved.shard, { index: i, count: 4 });
    sum += lines(join(shard(i), 'responses.jsonl')).filter((r) => r.phase === 'main').length;
  }
  assert.is(sum, all);
  assert.is(json(join(single, 'run.json')).resolved.shard, undefined, 'an unsharded run records no shard');
});

test('a shard bundle verifies (verify recomputes on the shard\'s cases)', () => {
  const r = cli(['verify', shard(1)]);
  assert.is(r.code, 0, r.stdout + r.stderr);
});

test('merging the 4 shards gives the scorecard of the single run (timing aside), and the merged bundle verifies', () => {
  const out = join(t.dir, 'merged');
  const r = cli(['merge', shard(2), shard(0), shard(3), shard(1), '--out', out]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  assert.match(r.stdout, /merged 4 shards of 4/);
  assert.equal(untimed(join(out, 'scorecard.json')), untimed(join(single, 'scorecard.json')));
  // Case scores equal; the latency-SLO reasons quote each call's measured ms, and the footprint rows'
  // extra its measured load time and memory, so compare without those.
  const noReason = (f: string) => lines(f).map(({ reason: _r, extra, ...s }) => (String(s.caseId).startsWith('footprint:') ? s : { ...s, ...(extra ? { extra } : {}) }));
  assert.equal(noReason(join(out, 'scores.jsonl')), noReason(join(single, 'scores.jsonl')));
  assert.is(json(join(out, 'run.json')).resolved.shard, undefined);
  const v = cli(['verify', out]);
  assert.is(v.code, 0, v.stdout + v.stderr);
});

test('a missing shard: exit 2 naming the missing count and the shard', () => {
  const r = cli(['merge', shard(0), shard(1), shard(3), '--out', join(t.dir, 'm2')]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  const n = lines(join(shard(2), 'responses.jsonl')).filter((x) => x.phase === 'main').length;
  assert.match(r.stderr, new RegExp(`${n} of \\d+ cases missing \\(shard 2/4 not given\\)`));
});

test('a shard given twice: exit 2 naming the duplicates', () => {
  const r = cli(['merge', shard(0), shard(1), shard(2), shard(3), shard(1), '--out', join(t.dir, 'm3')]);
  assert.is(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /\d+ cases duplicated — shard 1\/4 given 2 times/);
});

test('shards of different models are refused: exit 2', () => {
  const weak = join(t.dir, 'weak3');
  const w = cli(['run', '--suite', suite, '--model', 'ref-weak', '--shard', '3/4', '--out', weak]);
  assert.ok(w.code === 0 || w.code === 3, w.stderr);
  const r = cli(['merge', shard(0), shard(1), shard(2), weak, '--out', join(t.dir, 'm4')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /different models/);
});

test('run --shard with a bad value: exit 2', () => {
  const r = cli(['run', '--shard', '4/4', '--out', join(t.dir, 'bad')]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /0-based/);
});

test.run();
