import type { Profile } from '../core/types.ts';
import { percentileSorted } from '../metrics/stats.ts';
import type { CallSample } from './load-call.ts';

/** Percentiles (nearest rank) of one quantity, in its unit (ms). */
export interface Dist {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** The aggregate figures of one scenario. Times in ms, rates per second. */
export interface LoadFigures {
  /** Queries issued, completed (ok) and failed. */
  queries: number;
  completed: number;
  errors: number;
  /** Measured span (s): from the scenario's start (the first scheduled send) to the last reply. */
  durationS: number;
  /** Completed requests per second over the span. */
  requestThroughput: number;
  /** Output tokens of completed requests per second over the span. */
  outputTokenThroughput: number;
  /** Completed requests per second that met every SLO (E2E and, when the profile has one, TTFT). */
  goodput: number;
  /** Time to first token, from the request start (scheduled time in open loop); calls that signal none are left out. */
  ttftMs: Dist | null;
  /** End-to-end latency from the request start (scheduled time in open loop). */
  e2eMs: Dist | null;
  /** Time per output token after the first: (E2E − TTFT) / (output tokens − 1), calls with ≥ 2 tokens. */
  tpotMs: Dist | null;
  /** Inter-chunk latency: gaps between consecutive streamed chunks. */
  itlChunkMs: Dist | null;
  /** Inter-token latency: each chunk gap spread evenly over the chunk's tokens. */
  itlTokenMs: Dist | null;
  /** The client's own lag: actual send − scheduled send (0 in closed loop). */
  clientLagMs: Dist | null;
  /** Share of all queries meeting the E2E SLO, the TTFT SLO (null without one), and both. */
  sloShare: { e2e: number; ttft: number | null; all: number };
}

/** One of the equal windows the measured span is split into. */
export interface LoadWindow {
  startS: number;
  endS: number;
  completed: number;
  /** Completions per second in the window. */
  reqPerS: number;
  /** Scheduled sends per second in the window (open loop: the offered load). */
  offeredPerS: number;
  /** p90 E2E latency (ms) of the calls completed in the window; null when none. */
  p90Ms: number | null;
}


/** Percentiles of numbers, or null when there are none. Rounded to µs. */
export function dist(xs: number[]): Dist | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, mean: r3(mean), p50: r3(percentileSorted(s, 50)), p90: r3(percentileSorted(s, 90)), p99: r3(percentileSorted(s, 99)) };
}

/** TTFT of a call (ms from its start); a call that signalled no first token counts its E2E (its content came at the end). */
export const ttftOf = (c: CallSample): number => (c.firstMs ?? c.endMs) - c.scheduledMs;
/** E2E latency of a call (ms from its start). */
export const e2eOf = (c: CallSample): number => c.endMs - c.scheduledMs;

/** Whether a call met the profile's SLOs (E2E, and TTFT when the profile has one). */
export function meetsSlo(c: CallSample, slo: Profile['slo']): boolean {
  return c.ok && e2eOf(c) <= slo.e2e_ms && (slo.ttft_ms === undefined || ttftOf(c) <= slo.ttft_ms);
}

/** Aggregates the calls of one scenario (times on its clock, 0 = its start). */
export function loadFigures(calls: readonly CallSample[], slo: Profile['slo']): LoadFigures {
  const ok = calls.filter((c) => c.ok);
  const spanMs = calls.reduce((m, c) => Math.max(m, c.endMs), 0); // no spread: a scenario may hold 10^5+ calls
  const perS = (n: number) => (spanMs > 0 ? r3((n * 1000) / spanMs) : 0);
  const tpot: number[] = [];
  const itlChunk: number[] = [];
  const itlToken: number[] = [];
  for (const c of ok) {
    if (c.firstMs !== undefined && c.outputTokens > 1) tpot.push((c.endMs - c.firstMs) / (c.outputTokens - 1));
    for (let i = 1; i < c.chunks.length; i++) {
      const gap = c.chunks[i].atMs - c.chunks[i - 1].atMs;
      itlChunk.push(gap);
      for (let k = 0; k < c.chunks[i].tokens; k++) itlToken.push(gap / c.chunks[i].tokens);
    }
  }
  const n = calls.length;
  const share = (f: (c: CallSample) => boolean) => (n ? r3(calls.filter(f).length / n) : 0);
  const good = ok.filter((c) => meetsSlo(c, slo)).length;
  return {
    queries: n,
    completed: ok.length,
    errors: n - ok.length,
    durationS: r3(spanMs / 1000),
    requestThroughput: perS(ok.length),
    outputTokenThroughput: perS(ok.reduce((a, c) => a + c.outputTokens, 0)),
    goodput: perS(good),
    ttftMs: dist(ok.filter((c) => c.firstMs !== undefined).map(ttftOf)),
    e2eMs: dist(ok.map(e2eOf)),
    tpotMs: dist(tpot),
    itlChunkMs: dist(itlChunk),
    itlTokenMs: dist(itlToken),
    clientLagMs: dist(calls.map((c) => c.sentMs - c.scheduledMs)),
    sloShare: {
      e2e: share((c) => c.ok && e2eOf(c) <= slo.e2e_ms),
      ttft: slo.ttft_ms === undefined ? null : share((c) => c.ok && ttftOf(c) <= slo.ttft_ms!),
      all: n ? r3(good / n) : 0,
    },
  };
}

/**
 * Splits the measured span into `count` equal windows: [0, last reply] in closed loop; in open loop
 * [0, last scheduled send], so that the drain after the last send (no load offered) is left out.
 */
export function loadWindows(calls: readonly CallSample[], count: number, openLoop = false): LoadWindow[] {
  const spanMs = calls.reduce((m, c) => Math.max(m, openLoop ? c.scheduledMs : c.endMs), 0);
  const w = spanMs / count;
  const out: LoadWindow[] = [];
  for (let i = 0; i < count; i++) {
    const a = i * w;
    const b = i === count - 1 ? (openLoop ? spanMs + 1e-9 : Infinity) : (i + 1) * w;
    const done = calls.filter((c) => c.ok && c.endMs >= a && c.endMs < b);
    const offered = calls.filter((c) => c.scheduledMs >= a && c.scheduledMs < b).length;
    const lat = dist(done.map(e2eOf));
    out.push({
      startS: r3(a / 1000),
      endS: r3((i + 1) * w / 1000),
      completed: done.length,
      reqPerS: w > 0 ? r3((done.length * 1000) / w) : 0,
      offeredPerS: w > 0 ? r3((offered * 1000) / w) : 0,
      p90Ms: lat ? lat.p90 : null,
    });
  }
  return out;
}

/** Formats a rate or time with 3 significant digits or so (412, 41.2, 4.12). */
export function fmt(x: number): string {
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * The stability rule: the last `k` windows must agree within `tolerance` ((max − min) / min).
 * Closed loop compares their throughput (req/s). Open loop compares the share of the offered load
 * each completed, since the arrival counts of a random schedule vary by themselves. Returns the
 * broken rule's reason, or undefined when stable.
 */
export function unstable(windows: readonly LoadWindow[], k: number, tolerance: number, openLoop: boolean): string | undefined {
  const last = windows.slice(-k);
  if (last.length < k) return `UNSTABLE: fewer than ${k} windows`;
  if (openLoop && last.some((w) => w.offeredPerS === 0)) return `UNSTABLE: one of the last ${k} windows had no load offered (too few queries for the windows)`;
  const vals = last.map((w) => (openLoop ? w.reqPerS / w.offeredPerS : w.reqPerS));
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const diff = lo > 0 ? (hi - lo) / lo : hi > 0 ? Infinity : 0;
  if (diff <= tolerance) return undefined;
  const pctTxt = Number.isFinite(diff) ? `${Math.round(diff * 100)}%` : '∞';
  const range = openLoop ? `completed ${fmt(lo)}–${fmt(hi)} × the offered load` : `${fmt(lo)}–${fmt(hi)} req/s`;
  return `UNSTABLE: last ${k} windows ${range} differ by ${pctTxt} > ${Math.round(tolerance * 100)}%`;
}

/** The drift checks of a scenario: first vs last window and the error rate. */
export interface DriftChecks {
  /** Relative change of p90 latency from the first to the last window (null when a window is empty). */
  latencyDrift: number | null;
  /** Relative change of throughput (req/s) from the first to the last window. */
  throughputDrift: number | null;
  errorRate: number;
  /** Checks passed of the three (latency, throughput, error rate). */
  passed: number;
  checks: { id: 'latency-drift' | 'throughput-drift' | 'error-rate'; passed: boolean; message: string }[];
}

/** Drift: p90 latency and throughput of the first vs the last window within `tolerance`, error rate ≤ `maxErrorRate`. */
export function driftChecks(windows: readonly LoadWindow[], figures: LoadFigures, tolerance: number, maxErrorRate: number): DriftChecks {
  const a = windows[0];
  const b = windows[windows.length - 1];
  const rel = (x: number | null | undefined, y: number | null | undefined) => (x === null || x === undefined || y === null || y === undefined || x <= 0 ? null : r3(y / x - 1));
  const latencyDrift = rel(a?.p90Ms, b?.p90Ms);
  const throughputDrift = rel(a?.reqPerS, b?.reqPerS);
  const errorRate = figures.queries ? r3(figures.errors / figures.queries) : 0;
  const within = (d: number | null) => d !== null && Math.abs(d) <= tolerance;
  const pc = (d: number | null) => (d === null ? 'n/a' : `${d >= 0 ? '+' : ''}${Math.round(d * 100)}%`);
  const tol = `${Math.round(tolerance * 100)}%`;
  const checks: DriftChecks['checks'] = [
    { id: 'latency-drift', passed: within(latencyDrift), message: `p90 latency first→last window ${pc(latencyDrift)} (≤ ±${tol})` },
    { id: 'throughput-drift', passed: within(throughputDrift), message: `throughput first→last window ${pc(throughputDrift)} (≤ ±${tol})` },
    { id: 'error-rate', passed: errorRate <= maxErrorRate, message: `error rate ${(errorRate * 100).toFixed(1)}% (≤ ${(maxErrorRate * 100).toFixed(1)}%)` },
  ];
  return { latencyDrift, throughputDrift, errorRate, passed: checks.filter((c) => c.passed).length, checks };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
