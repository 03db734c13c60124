import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures.ts';
import { pathWithoutNvidiaSmi } from '../helpers/fake-nvidia-smi.ts';

const script = join(ROOT, 'bench/gpu-check.sh');
const bash = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync('bash', args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

test('bench/gpu-check.sh parses (bash -n)', () => {
  const r = bash(['-n', script]);
  assert.is(r.code, 0, r.stderr);
});

test('--help exits 0 with the usage', () => {
  const r = bash([script, '--help']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: bash bench\/gpu-check\.sh/);
  for (const opt of ['--yes', '--webgpu', '--sample', '--model', '--out']) assert.ok(r.stdout.includes(opt), opt);
});

test('without nvidia-smi on PATH it exits non-zero with a clear message, before running anything', () => {
  const r = bash([script, '-y'], { PATH: pathWithoutNvidiaSmi() });
  assert.is(r.code, 1);
  assert.match(r.stderr, /gpu-check: nvidia-smi not found on PATH/);
  assert.is(r.stdout, '');
});

test('bad usage exits 2', () => {
  assert.is(bash([script, '--sample', 'many']).code, 2);
  const r = bash([script, '--frobnicate']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /unknown option: --frobnicate/);
});

test.run();
