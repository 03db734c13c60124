import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ARTIFACT_TARGET_BYTES, LOAD_TIME_TARGET_MS, MEMORY_TARGET_MB, footprintMeasurements } from '../../src/runners/footprint.ts';
import type { ModelInfo } from '../../src/core/types.ts';

const base: ModelInfo = { id: 'm', spec: 'onnx:m', kind: 'onnx', digest: 'a'.repeat(64), device: 'cpu', loadMs: 1200.5, rssMb: 230, bytes: 2_614_715, supportsLogprobs: true };
const byId = (info: ModelInfo, dev = 'cpu') => Object.fromEntries(footprintMeasurements(info, dev).map((m) => [m.id, m]));

test('within every target: four rows of their catalogue items, all 1 and passing', () => {
  const ms = footprintMeasurements(base, 'cpu');
  assert.equal(
    ms.map((m) => [m.id, m.indicator]),
    [
      ['footprint:load-time', 'development.deployment.load-time'],
      ['footprint:memory', 'development.deployment.memory'],
      ['footprint:artifact-size', 'development.deployment.artifact-size'],
      ['footprint:providers', 'development.deployment.providers'],
    ],
  );
  for (const m of ms) {
    assert.is(m.value, 1, m.id);
    assert.is(m.pass, true, m.id);
    assert.is(m.invalid, undefined);
  }
  const r = byId(base);
  assert.is(r['footprint:load-time'].reason, '1200.5 ms ≤ 30000 ms');
  assert.is(r['footprint:load-time'].extra!.load_ms, 1200.5);
  assert.is(r['footprint:memory'].extra!.rss_mb, 230);
  assert.is(r['footprint:artifact-size'].extra!.digest, base.digest);
  assert.is(r['footprint:artifact-size'].extra!.artifact_mb, 2.494);
});

test('above a target the score is target / actual and fails', () => {
  const r = byId({ ...base, loadMs: 4 * LOAD_TIME_TARGET_MS, rssMb: 2 * MEMORY_TARGET_MB, bytes: 8 * ARTIFACT_TARGET_BYTES });
  assert.is(r['footprint:load-time'].value, 0.25);
  assert.is(r['footprint:load-time'].pass, false);
  assert.match(r['footprint:load-time'].reason, /120000 ms > 30000 ms/);
  assert.is(r['footprint:memory'].value, 0.5);
  assert.is(r['footprint:memory'].pass, false);
  assert.is(r['footprint:artifact-size'].value, 0.125);
  assert.is(r['footprint:artifact-size'].pass, false);
});

test('exactly at a target still scores 1', () => {
  const r = byId({ ...base, loadMs: LOAD_TIME_TARGET_MS, rssMb: MEMORY_TARGET_MB, bytes: ARTIFACT_TARGET_BYTES });
  for (const id of ['footprint:load-time', 'footprint:memory', 'footprint:artifact-size']) assert.is(r[id].value, 1, id);
});

test('providers: 1 when the requested provider was used, 0 otherwise', () => {
  assert.is(byId(base, 'cpu')['footprint:providers'].value, 1);
  const other = byId({ ...base, device: 'cpu' }, 'cuda')['footprint:providers'];
  assert.is(other.value, 0);
  assert.is(other.pass, false);
  assert.equal(other.extra, { requested: 'cuda', used: 'cpu' });
});

test('figures an adapter does not report give no row', () => {
  const http: ModelInfo = { id: 'api', spec: 'openai:http://x', kind: 'openai', loadMs: 35, supportsLogprobs: false };
  assert.equal(footprintMeasurements(http, 'cpu').map((m) => m.id), ['footprint:load-time']);
  assert.equal(footprintMeasurements({ ...http, loadMs: undefined }, 'cpu'), []);
});

test('every value is a score in 0..1', () => {
  for (const loadMs of [0, 1, 29_999, 30_001, 1e9]) {
    for (const m of footprintMeasurements({ ...base, loadMs, rssMb: loadMs, bytes: loadMs * 1e3 }, 'webgpu')) {
      assert.ok(m.value >= 0 && m.value <= 1, `${m.id} ${m.value}`);
    }
  }
});

test.run();
