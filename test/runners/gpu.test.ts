import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ENERGY_TARGET_J_PER_TOKEN,
  GpuSampler,
  energyMeasurements,
  integrateJoules,
  outputTokens,
  parseGpuQuery,
  queryGpus,
  summarizeGpuSamples,
  type GpuSample,
  type GpuSummary,
} from '../../src/runners/gpu.ts';
import { gpuFacts, osDistro } from '../../src/cli/environment.ts';
import type { ResponseRecord } from '../../src/core/types.ts';
import { tempDir } from '../helpers/fixtures.ts';
import { NVSMI_FIXTURES, fakeNvidiaSmiEnv, pathWithoutNvidiaSmi } from '../helpers/fake-nvidia-smi.ts';

const t = tempDir('mg-gpu-');
test.after(() => t.cleanup());
const fixture = (f: string) => readFileSync(join(NVSMI_FIXTURES, f), 'utf8');
const envOf = (extra: Record<string, string>) => ({ ...process.env, ...extra }) as NodeJS.ProcessEnv;

test('parseGpuQuery: one H100, MiB, %, W', () => {
  const rows = parseGpuQuery(fixture('h100.csv'));
  assert.is(rows.length, 6);
  assert.equal(rows[2], { index: 0, name: 'NVIDIA H100 80GB HBM3', driver: '550.54.15', memoryTotalMib: 81559, memoryUsedMib: 18934, utilizationPct: 87, powerW: 412.06 });
});

test('parseGpuQuery: two A10s, one line per GPU and tick', () => {
  const rows = parseGpuQuery(fixture('a10x2.csv'));
  assert.equal(rows.map((r) => r.index), [0, 1, 0, 1, 0, 1]);
  assert.ok(rows.every((r) => r.name === 'NVIDIA A10' && r.driver === '535.104.05' && r.memoryTotalMib === 23028));
  assert.equal(rows.map((r) => r.powerW), [120.31, 16.07, 148.95, 15.88, 149.62, 16.02]);
});

test('parseGpuQuery: [N/A] and [Not Supported] become null, numbers stay', () => {
  const [a100, gtx, t4] = parseGpuQuery(fixture('unsupported.csv'));
  assert.equal([a100!.utilizationPct, a100!.powerW, a100!.memoryUsedMib], [null, 56.63, 37]);
  assert.equal([gtx!.memoryUsedMib, gtx!.utilizationPct, gtx!.powerW, gtx!.memoryTotalMib], [null, null, null, 4096]);
  assert.equal([t4!.name, t4!.utilizationPct, t4!.powerW], ['Tesla T4', 0, null]);
});

test('parseGpuQuery: skips headers, errors and torn lines; strips units; keeps a comma in a name', () => {
  const csv = [
    'index, name, driver_version, memory.total [MiB], memory.used [MiB], utilization.gpu [%], power.draw [W]',
    fixture('driver-failure.txt').trim(),
    '0, NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB, 10 MiB, 3 %, 70.10 W',
    '1, Acme GPU, Rev 2, 1.0, 1024, 0, 0, 5.5',
    '0, NVIDIA A1',
    '',
  ].join('\n');
  const rows = parseGpuQuery(csv);
  assert.is(rows.length, 2);
  assert.equal([rows[0]!.memoryTotalMib, rows[0]!.memoryUsedMib, rows[0]!.utilizationPct, rows[0]!.powerW], [81559, 10, 3, 70.1]);
  assert.equal([rows[1]!.name, rows[1]!.driver, rows[1]!.powerW], ['Acme GPU, Rev 2', '1.0', 5.5]);
});

test('integrateJoules: constant 300 W for 10 s is 3000 J; a 0→300 W ramp is 1500 J; uneven spacing', () => {
  const every = (n: number, f: (tMs: number) => number) => Array.from({ length: n + 1 }, (_, i) => ({ tMs: (i * 10_000) / n, watts: f((i * 10_000) / n) }));
  assert.ok(Math.abs(integrateJoules(every(100, () => 300)) - 3000) < 1e-9);
  assert.ok(Math.abs(integrateJoules(every(7, (tMs) => (300 * tMs) / 10_000)) - 1500) < 1e-9);
  assert.is(integrateJoules([{ tMs: 0, watts: 100 }, { tMs: 1000, watts: 200 }, { tMs: 4000, watts: 200 }]), 150 + 600);
  assert.is(integrateJoules([{ tMs: 5, watts: 100 }]), 0);
});

const sample = (index: number, tMs: number, powerW: number | null, extra: Partial<GpuSample> = {}): GpuSample => ({
  index, name: `GPU ${index}`, driver: '550.54.15', memoryTotalMib: 81559, memoryUsedMib: 1000 + tMs / 10, utilizationPct: 50, powerW, tMs, ...extra,
});
const window = (startMs: number, stopMs: number) => ({ startMs, stopMs, intervalMs: 100, startedAt: '2025-01-01T00:00:00.000Z' });

test('summarizeGpuSamples: per-GPU energy, held to the window edges, summed over GPUs that report power', () => {
  const samples = [
    ...Array.from({ length: 9 }, (_, i) => sample(0, 1000 + i * 1000, 300)), // 1 s … 9 s at 300 W
    sample(1, 5000, 100),
    sample(2, 5000, null, { utilizationPct: null, memoryUsedMib: null }),
    sample(0, 12_000, 999), // after stop: dropped
  ];
  const s = summarizeGpuSamples(samples, window(0, 10_000));
  assert.is(s.state, 'measured');
  if (s.state !== 'measured') return;
  assert.equal(s.gpus.map((g) => g.energyJ), [3000, 1000, null], 'held edges: 300 W × 10 s, 100 W × 10 s');
  assert.is(s.energyJ, 4000);
  assert.is(s.samples, 11);
  assert.is(s.gpus[0]!.peakMemoryUsedMib, 1900);
  assert.is(s.peakMemoryUsedMib, 1900);
  assert.is(s.gpus[2]!.meanUtilizationPct, null);
  assert.is(s.meanUtilizationPct, 50);
  assert.is(s.durationMs, 10_000);
  assert.equal(summarizeGpuSamples([sample(0, 20_000, 1)], window(0, 10_000)).state, 'unavailable');
  const noPower = summarizeGpuSamples(parseGpuQuery(fixture('no-power.csv')).map((r, i) => ({ ...r, tMs: i * 100 })), window(0, 200));
  assert.ok(noPower.state === 'measured' && noPower.energyJ === null && noPower.peakMemoryUsedMib === 640);
});

test('energyMeasurements: J per output token, min(1, target/actual), raw figures in extra', () => {
  const summary = summarizeGpuSamples(Array.from({ length: 11 }, (_, i) => sample(0, i * 1000, 300)), window(0, 10_000));
  const [over] = energyMeasurements(summary, 1500);
  assert.is(over!.indicator, 'operations.efficiency.energy');
  assert.is(over!.id, 'energy:gpu');
  assert.is(over!.extra!.j_per_token, 2);
  assert.is(over!.value, ENERGY_TARGET_J_PER_TOKEN / 2);
  assert.is(over!.pass, ENERGY_TARGET_J_PER_TOKEN >= 2);
  assert.match(over!.reason, /^2\.00 J\/token/);
  assert.equal([over!.extra!.energy_j, over!.extra!.output_tokens, over!.extra!.mean_power_w], [3000, 1500, 300]);
  const [under] = energyMeasurements(summary, 30_000);
  assert.equal([under!.value, under!.pass, under!.extra!.j_per_token], [1, true, 0.1]);
  assert.equal(energyMeasurements(summary, 0), []);
  assert.equal(energyMeasurements({ state: 'unavailable', reason: 'x' }, 100), []);
});

test('outputTokens: sums usage of answered records only', () => {
  const timing = { startedAt: '2025-01-01T00:00:00.000Z', latencyMs: 1 };
  const rs: ResponseRecord[] = [
    { caseId: 'a', phase: 'main', status: 'ok', output: 'x', usage: { inputTokens: 5, outputTokens: 7 }, timing },
    { caseId: 'b', phase: 'main', status: 'ok', output: 'y', timing },
    { caseId: 'c', phase: 'repeat', status: 'ok', output: 'z', usage: { inputTokens: 5, outputTokens: 3 }, timing },
    { caseId: 'd', phase: 'main', status: 'error', error: { kind: 'timeout', message: 't' }, timing },
  ];
  assert.is(outputTokens(rs), 10);
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('GpuSampler against a fake nvidia-smi (real child process): -lms honoured, samples stamped, energy in range, child ended', async () => {
  const log = join(t.dir, 'h100.log');
  const sampler = new GpuSampler({ intervalMs: 20, env: envOf(fakeNvidiaSmiEnv(t.dir, 'h100.csv', { FAKE_NVIDIA_SMI_LOG: log })) });
  assert.equal(await sampler.start(), { state: 'sampling' });
  await sleep(250);
  const s: GpuSummary = await sampler.stop();
  assert.is(s.state, 'measured', JSON.stringify(s));
  if (s.state !== 'measured') return;
  const calls = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { pid: number; args: string[] });
  assert.is(calls.length, 1);
  assert.equal(calls[0]!.args.slice(-2), ['-lms', '20']);
  assert.ok(calls[0]!.args.includes('--query-gpu=index,name,driver_version,memory.total,memory.used,utilization.gpu,power.draw'));
  assert.not.ok(alive(calls[0]!.pid), 'nvidia-smi is stopped');
  assert.ok(s.samples >= 4, `samples ${s.samples}`);
  assert.is(s.gpus.length, 1);
  assert.is(s.gpus[0]!.name, 'NVIDIA H100 80GB HBM3');
  assert.ok(s.durationMs >= 250 && s.durationMs < 5000, `duration ${s.durationMs}`);
  const seconds = s.durationMs / 1000;
  assert.ok(s.energyJ! >= 69.83 * seconds - 1e-6 && s.energyJ! <= 598.71 * seconds + 1e-6, `energy ${s.energyJ} J over ${seconds} s`);
  assert.ok(s.peakMemoryUsedMib! >= 2342 && s.peakMemoryUsedMib! <= 18934);
  assert.is(await sampler.stop(), s, 'stop() is idempotent');
});

test('GpuSampler: two GPUs give two per-GPU series whose energies sum', async () => {
  const sampler = new GpuSampler({ intervalMs: 15, env: envOf(fakeNvidiaSmiEnv(t.dir, 'a10x2.csv')) });
  assert.is((await sampler.start()).state, 'sampling');
  await sleep(120);
  const s = await sampler.stop();
  assert.ok(s.state === 'measured');
  if (s.state !== 'measured') return;
  assert.equal(s.gpus.map((g) => g.index), [0, 1]);
  assert.ok(Math.abs(s.energyJ! - (s.gpus[0]!.energyJ! + s.gpus[1]!.energyJ!)) < 0.01);
  assert.ok(s.gpus[0]!.meanPowerW! > 100 && s.gpus[1]!.meanPowerW! < 20);
  assert.is(s.gpus[1]!.meanUtilizationPct, 0);
});

test('GpuSampler: no nvidia-smi on PATH → unavailable, not an error', async () => {
  const sampler = new GpuSampler({ env: { PATH: pathWithoutNvidiaSmi() } });
  assert.equal(await sampler.start(), { state: 'unavailable', reason: 'nvidia-smi is not on PATH' });
  assert.equal(await sampler.stop(), { state: 'unavailable', reason: 'nvidia-smi is not on PATH' });
  assert.equal(queryGpus({ env: { PATH: pathWithoutNvidiaSmi() } }), { state: 'unavailable', reason: 'nvidia-smi is not on PATH' });
});

test('GpuSampler: nvidia-smi without a driver → unavailable with its message', async () => {
  const env = envOf(fakeNvidiaSmiEnv(t.dir, 'h100.csv', { FAKE_NVIDIA_SMI_FAIL: join(NVSMI_FIXTURES, 'driver-failure.txt') }));
  const sampler = new GpuSampler({ intervalMs: 20, env });
  const r = await sampler.start();
  assert.is(r.state, 'unavailable');
  assert.match((r as { reason: string }).reason, /couldn't communicate with the NVIDIA driver/);
  assert.is((await sampler.stop()).state, 'unavailable');
  const q = queryGpus({ env });
  assert.ok(q.state === 'unavailable' && /NVIDIA driver/.test(q.reason));
});

test('queryGpus and gpuFacts list the GPUs flat (one query, no loop)', () => {
  const q = queryGpus({ env: envOf(fakeNvidiaSmiEnv(t.dir, 'a10x2.csv')) });
  assert.ok(q.state === 'ok' && q.gpus.length === 2);
  assert.equal(gpuFacts(q), { gpu_count: 2, gpu_driver: '535.104.05', gpu_0_name: 'NVIDIA A10', gpu_0_memory_mib: 23028, gpu_1_name: 'NVIDIA A10', gpu_1_memory_mib: 23028 });
  assert.equal(gpuFacts({ state: 'unavailable', reason: 'nvidia-smi is not on PATH' }), { gpu: 'none (nvidia-smi is not on PATH)' });
});

test('osDistro reads PRETTY_NAME (quoted or not), falls back to NAME VERSION, null when absent', () => {
  const f = join(t.dir, 'os-release');
  writeFileSync(f, 'NAME="Ubuntu"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\nID=ubuntu\n');
  assert.is(osDistro(f), 'Ubuntu 22.04.4 LTS');
  writeFileSync(f, "NAME='Alpine Linux'\nVERSION=3.19\n");
  assert.is(osDistro(f), 'Alpine Linux 3.19');
  assert.is(osDistro(join(t.dir, 'missing')), null);
});

test.run();
