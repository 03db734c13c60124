import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/fixtures.ts';
import { fakeNvidiaSmiEnv, pathWithoutNvidiaSmi } from '../helpers/fake-nvidia-smi.ts';

const t = tempDir('mg-cli-gpu-');
test.after(() => t.cleanup());
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

test('run with nvidia-smi on PATH: operations.efficiency.energy in measurements.json, the GPU in the manifest environment', () => {
  const out = join(t.dir, 'gpu');
  const r = cli(['run', '--sample', '10', '--model', 'ref-weak', '--out', out], { env: { MODELGRADE_FROM_SRC: '1', ...fakeNvidiaSmiEnv(t.dir, 'h100.csv') } });
  assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
  const m = json(join(out, 'measurements.json'));
  const energy = m.measurements.find((x: { indicator: string }) => x.indicator === 'operations.efficiency.energy');
  assert.ok(energy, JSON.stringify(m.measurements));
  assert.is(energy.id, 'energy:gpu');
  assert.ok(energy.value > 0 && energy.value <= 1);
  assert.ok(energy.extra.output_tokens > 0 && energy.extra.energy_j > 0);
  assert.ok(Math.abs(energy.extra.j_per_token - energy.extra.energy_j / energy.extra.output_tokens) < 1e-3);
  assert.match(energy.reason, /J\/token/);
  assert.is(m.sections.gpu.state, 'measured');
  assert.is(m.sections.gpu.gpus[0].name, 'NVIDIA H100 80GB HBM3');
  const manifest = json(join(out, 'manifest.json'));
  const env = manifest.predicate.facts.environment;
  assert.is(env.gpu_count, 1);
  assert.is(env.gpu_0_name, 'NVIDIA H100 80GB HBM3');
  assert.is(env.gpu_0_memory_mib, 81559);
  assert.is(env.gpu_driver, '550.54.15');
  assert.is(env.execution_provider, 'cpu');
  assert.type(env.cores, 'number');
  assert.ok(manifest.subject.some((s: { name: string }) => s.name === 'measurements.json'), 'measurements.json is covered by the manifest');
  // No environment variable is copied wholesale: the fake's own variable never reaches the bundle.
  assert.not.match(readFileSync(join(out, 'manifest.json'), 'utf8'), /FAKE_NVIDIA_SMI|h100\.csv/);
});

test('run without nvidia-smi: no energy row, environment says why there is no GPU', () => {
  const out = join(t.dir, 'cpu');
  const r = cli(['run', '--sample', '10', '--model', 'ref-weak', '--out', out], { env: { MODELGRADE_FROM_SRC: '1', PATH: pathWithoutNvidiaSmi() } });
  assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
  const file = join(out, 'measurements.json');
  const rows = existsSync(file) ? json(file).measurements : [];
  assert.not.ok(rows.some((x: { indicator: string }) => x.indicator === 'operations.efficiency.energy'));
  const env = json(join(out, 'manifest.json')).predicate.facts.environment;
  assert.is(env.gpu, 'none (nvidia-smi is not on PATH)');
  assert.is(env.gpu_0_name, undefined);
});

test.run();
