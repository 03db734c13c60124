import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/fixtures.ts';
import { computeResults, finalizeBundle, writeReports } from '../../src/cli/finalize.ts';
import { reportInput, type RunFacts } from '../../src/reports/model.ts';
import { loadAll } from '../../src/cli/context.ts';
import { expandPerturbations } from '../../src/suites/perturb.ts';
import { runEngine, type WorkItem } from '../../src/runners/engine.ts';
import { InputError } from '../../src/core/errors.ts';
import type { Adapter, ModelInfo, ResponseRecord } from '../../src/core/types.ts';

const t = tempDir('mg-fstream-');
test.after(() => t.cleanup());

const { catalog, suite, profile } = await loadAll('finance');
const cases = expandPerturbations(suite.cases, 1);
const facts: RunFacts = { harness: { name: 'modelgrade', version: 'test' }, startedAt: 'a', finishedAt: 'b', seed: 1, environment: {}, options: { requested: {}, resolved: {} }, model: {} };
const model: ModelInfo = { id: 'm', spec: 'm', kind: 'test', supportsLogprobs: false };

/** A journal of every shape: right and wrong answers, errors, re-asks, later duplicates, a foreign case, shuffled. */
function journal(): ResponseRecord[] {
  const recs: ResponseRecord[] = [];
  cases.forEach((c, k) => {
    const out = c.choices ? `答案是${'ABCD'[k % 4]}` : k % 3 ? String(Array.isArray(c.expected) ? c.expected[0] : (c.expected ?? 'x')) : 'nope';
    if (k % 17 === 0) recs.push({ caseId: c.id, phase: 'main', status: 'error', error: { kind: 'timeout', message: 'no reply within 5 ms' }, timing: { startedAt: 's', latencyMs: 5.5 } });
    else recs.push({ caseId: c.id, phase: 'main', status: 'ok', output: out, timing: { startedAt: 's', latencyMs: (k * 7.3) % 900 } });
    if (k % 11 === 0) recs.push({ caseId: c.id, phase: 'main', status: 'ok', output: 'later duplicate', timing: { startedAt: 's', latencyMs: 1 } });
    if (k % 9 === 0) recs.push({ caseId: c.id, phase: 'repeat', status: 'ok', output: k % 2 ? out : 'other', timing: { startedAt: 's', latencyMs: 3 } });
  });
  recs.push({ caseId: 'not-a-case', phase: 'main', status: 'ok', output: 'A', timing: { startedAt: 's', latencyMs: 1 } });
  for (let i = recs.length - 1; i > 0; i -= 3) {
    const j = (i * 7919) % (i + 1);
    [recs[i], recs[j]] = [recs[j], recs[i]];
  }
  return recs;
}

/** The bundle files as the in-memory path (computeResults and the report renderers) writes them. */
function inMemory(dir: string, recs: ResponseRecord[]): void {
  const r = computeResults({ suite, cases, catalog, profile, model, journal: recs });
  writeFileSync(join(dir, 'responses.jsonl'), r.text.responses);
  writeFileSync(join(dir, 'scores.jsonl'), r.text.scores);
  writeReports(dir, reportInput({ scorecard: r.scorecard, facts, cases, scores: r.scores, responses: r.responses, scenarios: suite.scenarios, lang: 'zh' }), ['html', 'json', 'junit', 'md', 'csv']);
}

const files = ['responses.jsonl', 'scores.jsonl', 'scorecard.json', 'scorecard.html', 'junit.xml', 'summary.md', 'scores.csv'];

test('finalizeBundle streaming the journal file writes byte for byte what the in-memory path writes (BOM and torn last line too)', async () => {
  const recs = journal();
  const a = join(t.dir, 'a');
  const b = join(t.dir, 'b');
  mkdirSync(a);
  mkdirSync(b);
  inMemory(a, recs);
  writeFileSync(join(b, 'responses.jsonl'), '\uFEFF' + recs.map((r) => JSON.stringify(r) + '\n').join('') + '{"caseId": "torn');
  await finalizeBundle({ dir: b, suite, cases, catalog, profile, model, facts, lang: 'zh' });
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs`);
  assert.ok(readFileSync(join(b, 'scores.jsonl'), 'utf8').includes('development.management.determinism'), 're-asks were scored');
});

test('finalizeBundle with the journal in memory (merge) writes the same bytes', async () => {
  const recs = journal();
  const a = join(t.dir, 'c');
  const b = join(t.dir, 'd');
  mkdirSync(a);
  mkdirSync(b);
  inMemory(a, recs);
  await finalizeBundle({ dir: b, suite, cases, catalog, profile, model, facts, lang: 'en', journal: recs });
  for (const f of ['responses.jsonl', 'scores.jsonl', 'scorecard.json', 'scores.csv']) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs`);
});

test('a malformed line before the last: InputError naming responses.jsonl and the line', async () => {
  const b = join(t.dir, 'e');
  mkdirSync(b);
  const lines = journal().map((r) => JSON.stringify(r));
  lines.splice(3, 0, '{not json');
  writeFileSync(join(b, 'responses.jsonl'), lines.join('\n') + '\n');
  try {
    await finalizeBundle({ dir: b, suite, cases, catalog, profile, model, facts, lang: 'zh' });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /not valid JSON/);
    assert.is((e as InputError).loc.line, 4);
    assert.match(String((e as InputError).loc.file), /responses\.jsonl$/);
  }
});

test('runEngine takes a generator of work items (consumed lazily, in order) and reports the given total', async () => {
  let made = 0;
  function* items(): Generator<WorkItem> {
    for (let i = 0; i < 2000; i++) {
      made++;
      yield { caseId: `c${i}`, phase: 'main', request: { prompt: `p${i}`, temperature: 0, seed: 1, maxTokens: 4 } };
    }
  }
  let maxAhead = 0;
  const totals = new Set<number>();
  const got: string[] = [];
  const adapter: Adapter = {
    id: 'echo',
    describe: () => model,
    async call(req) {
      return { output: req.prompt };
    },
    async close() {},
  };
  const res = await runEngine(adapter, items(), (r) => got.push(r.caseId), {
    concurrency: 8,
    timeoutMs: 1000,
    total: 2000,
    onRecord: (_r, done, total) => {
      maxAhead = Math.max(maxAhead, made - done);
      totals.add(total);
    },
  });
  assert.equal(res, { state: 'completed', records: 2000 });
  assert.is(got.length, 2000);
  assert.is(new Set(got).size, 2000);
  assert.ok(maxAhead <= 8, `at most one item per call slot taken ahead (${maxAhead})`);
  assert.equal([...totals], [2000]);
});

test.run();
