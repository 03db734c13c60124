// `run`'s run-level measurements: the deployment footprint always, the suite's `loads:` with --loads,
// an openai: endpoint's conformance with --conformance — stored in measurements.json and graded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir, cliAsync } from '../helpers/fixtures.ts';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { startServer } from '../../src/runners/serve.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';

const t = tempDir('mg-measure-');
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const item = (sc: { indicators: { id: string }[] }, id: string) => sc.indicators.find((i) => i.id === id) as { value: number | null; n: number } | undefined;


test('run --loads: footprint and the suite\'s load scenarios become graded measurements; the verdict follows their rules', async () => {
  const out = join(t.dir, 'loads');
  const r = await cliAsync(['run', '--suite', 'finance', '--sample', '24', '--model', 'ref-weak', '--profile', 'ci', '--loads', '--out', out]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  const m = json(join(out, 'measurements.json'));
  const ids = m.measurements.map((x: { id: string }) => x.id);
  for (const id of ['footprint:load-time', 'footprint:memory', 'footprint:artifact-size', 'footprint:providers', 'load:single-stream:throughput', 'load:offline:throughput', 'load:single-stream:drift']) {
    assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
  }
  assert.equal(m.sections.load.map((l: { scenario: string }) => l.scenario), ['single-stream', 'offline']);
  assert.ok(m.sections.footprint.loadMs > 0 && m.sections.footprint.rssMb > 0);
  const sc = json(join(out, 'scorecard.json'));
  assert.ok(item(sc, 'operations.throughput.requests')!.n === 2, 'one throughput row per scenario');
  assert.is(item(sc, 'development.deployment.providers')!.value, 1, 'ran on the requested provider');
  // The verdict is what the rules say: each invalid load row is a reason naming the operations dimension.
  const broken = m.measurements.filter((x: { invalid?: string }) => x.invalid);
  for (const b of broken) assert.ok(sc.validity.reasons.includes(`operations dimension INVALID: ${b.id}: ${b.invalid}`));
  assert.is(Boolean(sc.dimensions.find((d: { id: string }) => d.id === 'operations').invalid), broken.length > 0);
  assert.is(r.code, sc.validity.valid ? 0 : 3);
});

test('run without --loads measures no load; a plain run still records its footprint', async () => {
  const out = join(t.dir, 'plain');
  const r = await cliAsync(['run', '--suite', 'finance', '--sample', '12', '--model', 'ref-weak', '--profile', 'ci', '--out', out]);
  assert.ok(r.code === 0 || r.code === 3, r.stderr);
  const ids = json(join(out, 'measurements.json')).measurements.map((x: { id: string }) => x.id);
  assert.ok(ids.every((id: string) => id.startsWith('footprint:')), ids.join(', '));
  assert.ok(item(json(join(out, 'scorecard.json')), 'development.deployment.load-time')!.value !== null);
});

test('run --conformance on an openai: endpoint grades the application items from its checks', async () => {
  const adapter = await openModel(parseModelSpec('ref-weak', MODELS_DIR), { device: 'cpu' });
  const server = await startServer(adapter, { host: '127.0.0.1', port: 0 });
  try {
    const out = join(t.dir, 'conf');
    const r = await cliAsync(['run', '--suite', 'finance', '--sample', '12', '--model', `openai:${server.url}`, '--profile', 'ci', '--conformance', '--out', out]);
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
    const m = json(join(out, 'measurements.json'));
    const checks = m.sections.conformance.checks as { id: string; state: string }[];
    assert.ok(checks.length >= 8);
    assert.ok(checks.every((c) => c.state !== 'failed'), JSON.stringify(checks));
    const sc = json(join(out, 'scorecard.json'));
    assert.is(item(sc, 'application.maturity.api-conformance')!.value, 1);
    assert.is(item(sc, 'application.management.health')!.value, 1);
    // serve without --max-inflight never answers 429: the rate-limit check is skipped, not passed.
    assert.is(item(sc, 'application.management.rate-limit')!.value, null);
    // Without --conformance nothing of the kind is measured.
    const out2 = join(t.dir, 'noconf');
    const r2 = await cliAsync(['run', '--suite', 'finance', '--sample', '12', '--model', `openai:${server.url}`, '--profile', 'ci', '--out', out2]);
    assert.ok(r2.code === 0 || r2.code === 3, r2.stderr);
    assert.is(item(json(join(out2, 'scorecard.json')), 'application.maturity.api-conformance')!.value, null);
  } finally {
    await server.close();
    await adapter.close();
  }
});

test.after(() => t.cleanup());
test.run();
