import { spawn, type ChildProcess } from 'node:child_process';
import type { Measurement, ResponseRecord } from '../core/types.ts';
import { findOnPath, GPU_QUERY_ARGS, nvidiaSmiMessage, parseGpuLine, type GpuRow } from './nvidia-smi.ts';

export * from './nvidia-smi.ts';

/**
 * GPU telemetry from `nvidia-smi` (board power, utilisation, memory) and the energy-per-token
 * measurement built from it (operations.efficiency.energy). Everything is optional: a machine without
 * nvidia-smi (or without a working driver) yields `{ state: 'unavailable', reason }`, never an error.
 */

/**
 * Energy per output token (J/token) at which the energy score reaches 1; above it the score is
 * target/actual. An order-of-magnitude line for a 7–8B-class model served with batching on a current
 * data-centre GPU (published measurements put such serving at tenths of a joule to a few joules per
 * output token); not a standard. A single-stream run of a tiny model mostly measures idle board power.
 */
export const ENERGY_TARGET_J_PER_TOKEN = 1;

/** Default sampling interval of the sampler (ms). */
export const DEFAULT_GPU_INTERVAL_MS = 100;

/** One parsed line, stamped with the harness's clock (ms, `performance.now()` by default) on arrival. */
export interface GpuSample extends GpuRow {
  tMs: number;
}

/** Per-GPU figures over a sampled window. */
export interface GpuDeviceSummary {
  index: number;
  name: string;
  driver: string;
  memoryTotalMib: number | null;
  /** Lines received for this GPU. */
  samples: number;
  /** Mean utilisation over the samples (%), null when never reported. */
  meanUtilizationPct: number | null;
  /** Largest memory in use (MiB), null when never reported. */
  peakMemoryUsedMib: number | null;
  /** Mean board power over the samples (W), null when never reported. */
  meanPowerW: number | null;
  /** Board energy over the window (J), null when power was never reported. */
  energyJ: number | null;
}

/** What the sampler saw, or why it saw nothing. */
export type GpuSummary =
  | {
      state: 'measured';
      /** Wall-clock start of sampling, ISO 8601 UTC. */
      startedAt: string;
      /** Sampling window, start to stop (ms). */
      durationMs: number;
      /** Requested sampling interval (ms). */
      intervalMs: number;
      /** Lines received (all GPUs). */
      samples: number;
      /** Board energy summed over the GPUs that report power (J); null when none does. */
      energyJ: number | null;
      /** Mean of the per-GPU mean utilisations (%). */
      meanUtilizationPct: number | null;
      /** Largest single-GPU memory in use (MiB). */
      peakMemoryUsedMib: number | null;
      gpus: GpuDeviceSummary[];
    }
  | { state: 'unavailable'; reason: string };

/** Trapezoid-rule integral of power over time: points in (ms, W), sorted by time; result in joules. */
export function integrateJoules(points: readonly { tMs: number; watts: number }[]): number {
  let j = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    j += ((a.watts + b.watts) / 2) * ((b.tMs - a.tMs) / 1000);
  }
  return j;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Running figures of one GPU (constant memory, however long the run). */
interface GpuAcc {
  last: GpuRow;
  samples: number;
  utilSum: number;
  utilN: number;
  memPeak: number | null;
  powerSum: number;
  powerN: number;
  firstPower: { tMs: number; watts: number } | null;
  lastPower: { tMs: number; watts: number } | null;
  /** Trapezoid integral between the first and last power reading (J). */
  innerJ: number;
}

/**
 * Folds samples, in arrival (time) order, into per-GPU running figures; summary() closes the window.
 * Keeps no sample, so a run of hours costs the same memory as one of seconds.
 */
export class GpuAccumulator {
  private readonly byGpu = new Map<number, GpuAcc>();
  private count = 0;

  /** Adds one sample; samples of one GPU must come in time order. */
  add(s: GpuSample): void {
    this.count++;
    const a = this.byGpu.get(s.index) ?? { last: s, samples: 0, utilSum: 0, utilN: 0, memPeak: null, powerSum: 0, powerN: 0, firstPower: null, lastPower: null, innerJ: 0 };
    a.last = s;
    a.samples++;
    if (s.utilizationPct !== null) {
      a.utilSum += s.utilizationPct;
      a.utilN++;
    }
    if (s.memoryUsedMib !== null) a.memPeak = Math.max(a.memPeak ?? 0, s.memoryUsedMib);
    if (s.powerW !== null) {
      const p = { tMs: s.tMs, watts: s.powerW };
      a.powerSum += p.watts;
      a.powerN++;
      if (a.lastPower) a.innerJ += integrateJoules([a.lastPower, p]);
      else a.firstPower = p;
      a.lastPower = p;
    }
    this.byGpu.set(s.index, a);
  }

  /**
   * The summary over the window [startMs, stopMs] (harness clock, ms). Energy per GPU is the trapezoid
   * integral between samples, extended to the window's edges by holding the first and last power
   * reading (the window opens before nvidia-smi's first line and closes after its last).
   */
  summary(window: { startMs: number; stopMs: number; intervalMs: number; startedAt: string }): GpuSummary {
    if (this.count === 0) return { state: 'unavailable', reason: 'nvidia-smi reported no samples during the run' };
    const gpus: GpuDeviceSummary[] = [...this.byGpu.entries()]
      .sort(([x], [y]) => x - y)
      .map(([index, a]) => {
        const energyJ =
          a.firstPower && a.lastPower
            ? a.innerJ + integrateJoules([{ tMs: window.startMs, watts: a.firstPower.watts }, a.firstPower]) + integrateJoules([a.lastPower, { tMs: window.stopMs, watts: a.lastPower.watts }])
            : null;
        return {
          index,
          name: a.last.name,
          driver: a.last.driver,
          memoryTotalMib: a.last.memoryTotalMib,
          samples: a.samples,
          meanUtilizationPct: a.utilN ? round(a.utilSum / a.utilN, 1) : null,
          peakMemoryUsedMib: a.memPeak,
          meanPowerW: a.powerN ? round(a.powerSum / a.powerN, 2) : null,
          energyJ: energyJ === null ? null : round(energyJ),
        };
      });
    const energies = gpus.flatMap((g) => (g.energyJ === null ? [] : [g.energyJ]));
    const utils = gpus.flatMap((g) => (g.meanUtilizationPct === null ? [] : [g.meanUtilizationPct]));
    const peaks = gpus.flatMap((g) => (g.peakMemoryUsedMib === null ? [] : [g.peakMemoryUsedMib]));
    return {
      state: 'measured',
      startedAt: window.startedAt,
      durationMs: round(window.stopMs - window.startMs, 1),
      intervalMs: window.intervalMs,
      samples: this.count,
      energyJ: energies.length ? round(energies.reduce((x, y) => x + y, 0)) : null,
      meanUtilizationPct: utils.length ? round(utils.reduce((x, y) => x + y, 0) / utils.length, 1) : null,
      peakMemoryUsedMib: peaks.length ? Math.max(...peaks) : null,
      gpus,
    };
  }
}

/** Summarises recorded samples over a window (see GpuAccumulator.summary); samples outside it are dropped. */
export function summarizeGpuSamples(
  samples: readonly GpuSample[],
  window: { startMs: number; stopMs: number; intervalMs: number; startedAt: string },
): GpuSummary {
  const acc = new GpuAccumulator();
  for (const s of samples.filter((x) => x.tMs >= window.startMs && x.tMs <= window.stopMs).sort((x, y) => x.tMs - y.tMs)) acc.add(s);
  return acc.summary(window);
}

/** Options of a sampler. */
export interface GpuSamplerOptions {
  /** Sampling interval (ms), passed to `nvidia-smi -lms`; default 100. */
  intervalMs?: number;
  /** Environment to find and run nvidia-smi with (default process.env; only PATH is read here). */
  env?: NodeJS.ProcessEnv;
  /** The harness clock (ms); default `performance.now()`. */
  now?: () => number;
  /** How long start() waits for the first line (ms); default 5000. */
  firstSampleTimeoutMs?: number;
  /** When set, no sampling: stop() reports `unavailable` with this reason (e.g. replayed responses). */
  skip?: string;
}

/**
 * Samples GPU telemetry during a run: spawns `nvidia-smi --query-gpu=… -lms <interval>`, stamps each
 * line with the harness clock on arrival, and summarises on stop(). start() waits for the first line
 * (or the process's failure) so that the window it covers begins with a reading.
 */
export class GpuSampler {
  readonly intervalMs: number;
  private readonly now: () => number;
  private readonly acc = new GpuAccumulator();
  /** Lines parsed so far. */
  private received = 0;
  /** Harness time stop() was called (ms); lines after it are outside the window. */
  private stopMs: number | null = null;
  private child: ChildProcess | null = null;
  private buffer = '';
  private messages = '';
  private failure: string | null = null;
  private startMs = 0;
  private startedAt = '';
  private exited: Promise<void> = Promise.resolve();
  private stopping: Promise<GpuSummary> | null = null;

  constructor(private readonly opts: GpuSamplerOptions = {}) {
    this.intervalMs = Math.max(1, Math.round(opts.intervalMs ?? DEFAULT_GPU_INTERVAL_MS));
    this.now = opts.now ?? (() => performance.now());
  }

  /** Starts sampling; `unavailable` (not an error) when there is no nvidia-smi or it fails at once. */
  async start(): Promise<{ state: 'sampling' } | { state: 'unavailable'; reason: string }> {
    if (this.opts.skip) return this.fail(this.opts.skip);
    const env = this.opts.env ?? process.env;
    const exe = findOnPath('nvidia-smi', env);
    if (!exe) return this.fail('nvidia-smi is not on PATH');
    this.startMs = this.now();
    this.startedAt = new Date().toISOString();
    const child = spawn(exe, [...GPU_QUERY_ARGS, '-lms', String(this.intervalMs)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let gotFirst: () => void = () => {};
    const first = new Promise<void>((res) => (gotFirst = res));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const t = this.now();
      this.buffer += chunk;
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop()!;
      for (const line of lines) {
        const row = parseGpuLine(line);
        if (!row) {
          if (line.trim() && this.messages.length < 4000) this.messages += line + '\n'; // nvidia-smi prints its errors on stdout
        } else if (this.stopMs === null) {
          this.acc.add({ ...row, tMs: t });
          this.received++;
        }
      }
      if (this.received) gotFirst();
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (this.messages.length < 4000) this.messages += chunk;
    });
    this.exited = new Promise<void>((res) => {
      child.on('error', (e) => {
        this.failure = `nvidia-smi failed: ${e.message}`;
        res();
      });
      child.on('close', (code, signal) => {
        if (this.stopMs === null && this.received === 0) this.failure = nvidiaSmiMessage('', this.messages, `nvidia-smi exited with ${code ?? signal}`);
        res();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([first, this.exited, new Promise<void>((res) => (timer = setTimeout(res, this.opts.firstSampleTimeoutMs ?? 5000)))]);
    clearTimeout(timer);
    if (this.failure) return { state: 'unavailable', reason: this.failure };
    return { state: 'sampling' };
  }

  private fail(reason: string): { state: 'unavailable'; reason: string } {
    this.failure = reason;
    return { state: 'unavailable', reason };
  }

  /** Stops nvidia-smi and summarises; idempotent (later calls return the same summary). */
  stop(): Promise<GpuSummary> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<GpuSummary> {
    const stopMs = this.now();
    this.stopMs = stopMs;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(killer);
    } else {
      await this.exited;
    }
    this.buffer = ''; // a line without its newline is torn: its last figure may be cut short
    if (this.received === 0) return { state: 'unavailable', reason: this.failure ?? 'nvidia-smi reported no samples during the run' };
    return this.acc.summary({ startMs: this.startMs, stopMs, intervalMs: this.intervalMs, startedAt: this.startedAt });
  }
}

/** Starts a sampler (see GpuSampler); its stop() always resolves, to a summary or `unavailable`. */
export async function startGpuSampler(opts: GpuSamplerOptions = {}): Promise<GpuSampler> {
  const s = new GpuSampler(opts);
  await s.start();
  return s;
}

/** Output tokens of the answered records (as the adapter or server counted them). */
export function outputTokens(records: readonly ResponseRecord[]): number {
  return records.reduce((n, r) => n + (r.status === 'ok' ? (r.usage?.outputTokens ?? 0) : 0), 0);
}

/**
 * The operations.efficiency.energy measurement: board energy per output token (J/token), scored
 * min(1, ENERGY_TARGET_J_PER_TOKEN / actual) — lower energy scores higher. None when no GPU reported
 * power or no output token was produced (nothing to divide).
 */
export function energyMeasurements(summary: GpuSummary, tokens: number): Measurement[] {
  if (summary.state !== 'measured' || summary.energyJ === null || tokens <= 0) return [];
  const perToken = summary.energyJ / tokens;
  const target = ENERGY_TARGET_J_PER_TOKEN;
  const value = perToken <= 0 ? 1 : Math.min(1, target / perToken);
  const powered = summary.gpus.filter((g) => g.energyJ !== null);
  return [
    {
      indicator: 'operations.efficiency.energy',
      id: 'energy:gpu',
      value: round(value, 6),
      pass: perToken <= target,
      reason: `${perToken.toPrecision(3)} J/token ${perToken <= target ? '≤' : '>'} ${target} J/token target (${round(summary.energyJ, 1)} J board power of ${powered.length} GPU${powered.length === 1 ? '' : 's'} over ${tokens} output tokens, ${round(summary.durationMs / 1000, 2)} s, sampled every ${summary.intervalMs} ms)`,
      extra: {
        j_per_token: round(perToken, 6),
        target_j_per_token: target,
        energy_j: summary.energyJ,
        output_tokens: tokens,
        duration_ms: summary.durationMs,
        interval_ms: summary.intervalMs,
        samples: summary.samples,
        gpus: summary.gpus.length,
        gpus_with_power: powered.length,
        mean_power_w: powered.length ? round(powered.reduce((a, g) => a + (g.meanPowerW ?? 0), 0), 2) : null,
        mean_utilization_pct: summary.meanUtilizationPct,
        peak_memory_used_mib: summary.peakMemoryUsedMib,
      },
    },
  ];
}
