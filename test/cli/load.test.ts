import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, ROOT, tempDir, cliAsync } from '../helpers/fixtures.ts';
import { startServer, type RunningServer } from '../../src/runners/serve.ts';
import type { Adapter } from '../../src/core/types.ts';

const env = { MODELGRADE_FROM_SRC: '1' };


// A real endpoint (startServer) over an adapter of known service time: 10 ms, calls in parallel.
const svc: Adapter = {
  id: 'svc-10ms',
  describe: () => ({ id: 'svc-10ms', spec: 'test', kind: 'test', supportsLogprobs: false }),
  async call(_req, _id, ctx) {
    await new Promise((r) => setTimeout(r, 10));
    ctx.firstToken();
    return { output: 'The answer is B.', usage: { inputTokens: 5, outputTokens: 5 } };
  },
  async close() {},
};
let srv: RunningServer;
test.before(async () => {
  srv = await startServer(svc, { port: 0 });
});
test.after(async () => {
  await srv.close();
});

test('load single-stream with ref-weak prints the figures and exits as its verdict says', () => {
  const r = cli(['load', '--model', 'ref-weak', '--suite', 'finance', '--scenario', 'single-stream', '--duration', '2', '--min-queries', '5', '--profile', 'ci'], { env });
  assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
  for (const k of ['throughput', 'TTFT ms', 'E2E ms', 'TPOT ms', 'ITL/chunk ms', 'SLO (p90)', 'windows req/s', 'validity']) assert.ok(r.stdout.includes(k), `${k} in\n${r.stdout}`);
  const m = /^\s+queries\s+(\d+) \((\d+) ok/m.exec(r.stdout);
  assert.ok(m && Number(m[1]) >= 5, r.stdout);
  const valid = /validity\s+VALID/.test(r.stdout);
  assert.is(valid || /validity\s+INVALID/.test(r.stdout), true);
  assert.is(r.code, valid ? 0 : 3);
  if (!valid) assert.match(r.stdout, /^\s+- (min-duration|min-queries|UNSTABLE|error-rate)/m);
});

test('load --scenario server --rates against a real openai: endpoint writes load.json and measurements', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'load');
    const r = await cliAsync(['load', '--model', `openai:${srv.url}`, '--suite', 'finance', '--scenario', 'server', '--rates', '40,10', '--duration', '1', '--min-queries', '5', '--profile', 'ci', '--out', out, '--json']);
    assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
    const j = JSON.parse(r.stdout);
    assert.equal(j.results.map((x: { id: string }) => x.id), ['server@10', 'server@40']);
    assert.equal(j.results.map((x: { figures: { queries: number } }) => x.figures.queries), [10, 40]);
    for (const x of j.results) {
      assert.is(x.state, 'completed');
      assert.is(x.figures.errors, 0);
      assert.ok(x.figures.e2eMs.p50 >= 10, `e2e ${x.figures.e2eMs.p50}`);
      assert.ok(x.figures.clientLagMs !== null);
      assert.is(x.valid, x.reasons.length === 0);
    }
    assert.is(j.sweep.percentile, 90);
    assert.is(r.code, j.results.every((x: { valid: boolean }) => x.valid) ? 0 : 3);
    const doc = JSON.parse(readFileSync(join(out, 'load.json'), 'utf8'));
    assert.is(doc.schema, 'modelgrade.load/v1');
    assert.is(doc.results[1].calls.length, 40);
    const ms = JSON.parse(readFileSync(join(out, 'measurements.json'), 'utf8'));
    const ids = ms.measurements.map((m: { id: string }) => m.id);
    assert.ok(ids.includes('load:server@40:throughput') && ids.includes('load:server@10:ttft') && ids.includes('load:server@10:drift'), ids.join(','));
    // ci's load rules need 32 queries over 5 s: these short runs are INVALID, and say why.
    const thr = ms.measurements.find((m: { id: string }) => m.id === 'load:server@10:throughput');
    assert.match(thr.invalid, /min-duration: measured [\d.]+ s < 5 s/);
    assert.ok(Array.isArray(ms.sections.load));
  } finally {
    cleanup();
  }
});

test('bad input: unknown scenario (did you mean), missing rate, rate sweep on a closed loop → exit 2', () => {
  const bad = cli(['load', '--model', 'ref-weak', '--suite', 'finance', '--scenario', 'sever', '--rate', '5'], { env });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--scenario.*unknown scenario "sever" \(did you mean "server"\?\)/);
  const norate = cli(['load', '--suite', 'finance', '--scenario', 'soak'], { env });
  assert.is(norate.code, 2);
  assert.match(norate.stderr, /needs an offered rate/);
  const sweep = cli(['load', '--suite', 'finance', '--scenario', 'offline', '--rates', '1,2'], { env });
  assert.is(sweep.code, 2);
  assert.match(sweep.stderr, /--rates/);
  assert.not.ok(existsSync(join(ROOT, 'load.json')));
});

test.run();
