import { Bench, type Task } from 'tinybench';
import { EXIT, InputError } from '../../core/errors.ts';
import type { Adapter, CallContext, ModelInfo } from '../../core/types.ts';
import { DEFAULT_MODEL, openModel, parseModelSpec } from '../../runners/models.ts';
import { MODELS_DIR } from '../../suites/paths.ts';
import { median } from '../../metrics/stats.ts';

/** `bench` options as given on the command line. */
export interface BenchCommandOptions {
  model?: string;
  lengths?: string;
  batch?: string;
  time?: string;
  device?: string;
  maxTokens?: string;
  timeout?: string;
  json?: boolean;
}

/** One row of the bench: a prompt length × a batch size. */
export type BenchRow =
  | {
      state: 'completed';
      /** Prompt length (about this many tokens). */
      length: number;
      /** Concurrent calls per measured operation. */
      batch: number;
      /** Measured operations (each: `batch` calls, all awaited). */
      samples: number;
      /** Latency of one operation (ms). */
      p50Ms: number;
      p99Ms: number;
      meanMs: number;
      /** Operations per second over the measured time (1000 / mean latency), and calls per second (ops × batch). */
      opsPerS: number;
      callsPerS: number;
      /** Relative margin of error of the mean latency (%, 95%). */
      rmePct: number;
      /** Median time to first token of the calls (ms), when the adapter signals it. */
      ttftP50Ms?: number;
    }
  | { state: 'errored' | 'aborted'; length: number; batch: number; error: string };

/** What `bench --json` prints. */
export interface BenchReport {
  schema: 'modelgrade.bench/v1';
  model: ModelInfo;
  /** Time budget per row (ms), after warm-up. */
  timeMs: number;
  /** Generated-token limit of each call. */
  maxTokens: number;
  rows: BenchRow[];
}

/** Plain text the prompts are cut from (about one token per word). */
const TEXT = (
  'The quarterly report shows that net interest income rose while credit costs stayed low. ' +
  'Retail deposits grew steadily across the regional branches, and the bank kept its capital ratio above the regulatory floor. ' +
  'Analysts expect loan demand to recover slowly as rates ease, although commercial property remains a concern for several lenders. ' +
  'Management plans to invest in digital channels, simplify fees for small businesses and review the risk models used for underwriting.'
).split(/\s+/);

/**
 * Prompt number `k` of `n` words: runs of the plain text from places picked by a seeded generator, so
 * that prompts differ from call to call (no response or prefix cache answers) and the run repeats.
 */
export function benchPrompt(n: number, k: number): string {
  let x = (k + 1) * 0x9e3779b1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % TEXT.length;
  };
  const out: string[] = [];
  const run = Math.max(1, Math.min(4, Math.floor(n / 4))); // words per run: text-like, rarely repeated
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (i % run === 0) at = next();
    out.push(TEXT[at++ % TEXT.length]);
  }
  return out.join(' ');
}

/** Parses a comma-separated list of whole numbers in [1, max]. */
function intList(v: string | undefined, dflt: number[], flag: string, max: number): number[] {
  if (v === undefined) return dflt;
  const parts = v.split(',').map((s) => s.trim());
  const bad = parts.find((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > max);
  if (bad !== undefined || parts.length === 0) throw new InputError(`expected a comma-separated list of whole numbers 1..${max}, got "${v}"`, { field: flag });
  return [...new Set(parts.map(Number))];
}

/** Parses a positive number of milliseconds. */
function ms(v: string | undefined, dflt: number, flag: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || !(n > 0)) throw new InputError(`expected a positive number of milliseconds, got "${v}"`, { field: flag });
  return n;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** One call of the adapter with a context built here, bounded by `timeoutMs`; returns its TTFT (ms) if signalled. */
function timedCall(adapter: Adapter, prompt: string, maxTokens: number, timeoutMs: number): Promise<number | undefined> {
  const ctrl = new AbortController();
  const t0 = performance.now();
  let first: number | undefined;
  const ctx: CallContext = { signal: ctrl.signal, firstToken: () => void (first ??= performance.now() - t0) };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ctrl.abort();
      reject(new Error(`no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    adapter.call({ prompt, temperature: 0, maxTokens, seed: 1 }, 'bench', ctx).then(
      () => (clearTimeout(timer), resolve(first)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** The row of a finished tinybench task (its result is a union by state). */
function rowOf(task: Task, length: number, batch: number, ttft: number[]): BenchRow {
  const r = task.result;
  if (r.state === 'completed') {
    const t = median(ttft);
    return {
      state: 'completed',
      length,
      batch,
      samples: r.latency.samplesCount,
      p50Ms: r3(r.latency.p50),
      p99Ms: r3(r.latency.p99),
      meanMs: r3(r.latency.mean),
      opsPerS: r3(1000 / r.period),
      callsPerS: r3((1000 / r.period) * batch),
      rmePct: r3(r.latency.rme),
      ...(ttft.length === 0 ? {} : { ttftP50Ms: r3(t) }),
    };
  }
  if (r.state === 'errored') return { state: 'errored', length, batch, error: r.error.message };
  return { state: 'aborted', length, batch, error: r.state === 'aborted' || r.state === 'aborted-with-statistics' ? 'interrupted' : `not run (${r.state})` };
}

/** The rows as an aligned text table. */
export function benchTable(rep: BenchReport): string {
  const m = rep.model;
  const head = `Bench ${m.id} (${m.kind}${m.device ? `, ${m.device}` : ''}) — ${rep.timeMs} ms per row after warm-up, max ${rep.maxTokens} new tokens`;
  const cols = ['length', 'batch', 'samples', 'p50 ms', 'p99 ms', 'mean ms', 'ops/s', 'calls/s', 'rme %', 'ttft p50 ms'];
  const f = (x: number | undefined) => (x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const cells = rep.rows.map((r) =>
    r.state === 'completed'
      ? [String(r.length), String(r.batch), String(r.samples), f(r.p50Ms), f(r.p99Ms), f(r.meanMs), f(r.opsPerS), f(r.callsPerS), `±${f(r.rmePct)}`, f(r.ttftP50Ms)]
      : [String(r.length), String(r.batch), `${r.state}: ${r.error}`],
  );
  const w = cols.map((c, i) => Math.max(c.length, ...cells.filter((row) => row.length === cols.length).map((row) => row[i].length)));
  const line = (row: string[]) => (row.length === cols.length ? row.map((c, i) => c.padStart(w[i])).join('  ') : `${row[0].padStart(w[0])}  ${row[1].padStart(w[1])}  ${row[2]}`);
  return [head, line(cols), ...cells.map(line)].join('\n');
}

/**
 * `modelgrade bench`: tinybench micro-benchmarks of the model itself (its adapter's call), one row per
 * prompt length (about n tokens of plain text) × batch size (b concurrent calls per operation), with
 * warm-up; p50/p99 latency (ms), ops/s and the relative margin of error. Exit 0, 1 when a row failed,
 * 2 bad input, 130 interrupted.
 */
export async function benchCommand(o: BenchCommandOptions, io: { out: (s: string) => void; err: (s: string) => void; signal: AbortSignal }): Promise<number> {
  const lengths = intList(o.lengths, [16, 64, 256], '--lengths', 100_000);
  const batches = intList(o.batch, [1, 4], '--batch', 1024);
  const timeMs = ms(o.time, 1000, '--time');
  const timeoutMs = ms(o.timeout, 120_000, '--timeout');
  const maxTokens = intList(o.maxTokens, [16], '--max-tokens', 100_000)[0];
  const spec = parseModelSpec(o.model ?? DEFAULT_MODEL, MODELS_DIR);
  const adapter = await openModel(spec, { device: o.device ?? 'cpu' });
  try {
    const bench = new Bench({ time: timeMs, iterations: 5, warmupTime: Math.min(250, timeMs / 4), warmupIterations: 2, signal: io.signal });
    const ttfts = new Map<string, number[]>();
    for (const n of lengths) {
      for (const b of batches) {
        const name = `length ${n} × batch ${b}`;
        const ttft: number[] = [];
        ttfts.set(name, ttft);
        let k = 0;
        const op = async () => {
          const calls = Array.from({ length: b }, () => timedCall(adapter, benchPrompt(n, k++), maxTokens, timeoutMs));
          for (const t of await Promise.all(calls)) if (t !== undefined) ttft.push(t);
        };
        // Time to first token is kept for the measured phase only (warm-up samples are dropped).
        bench.add(name, op, { async: true, beforeAll: () => void (ttft.length = 0) });
      }
    }
    bench.addEventListener('cycle', (e) => io.err(`bench: ${e.task?.name ?? ''} done`));
    await bench.run();
    const rows = bench.tasks.map((task, i) => rowOf(task, lengths[Math.floor(i / batches.length)], batches[i % batches.length], ttfts.get(task.name) ?? []));
    const report: BenchReport = { schema: 'modelgrade.bench/v1', model: adapter.describe(), timeMs, maxTokens, rows };
    io.out(o.json ? JSON.stringify(report, null, 2) : benchTable(report));
    if (io.signal.aborted) return EXIT.interrupted;
    return rows.every((r) => r.state === 'completed') ? EXIT.ok : EXIT.failed;
  } finally {
    await adapter.close();
  }
}
