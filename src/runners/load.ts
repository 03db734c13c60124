import type { Adapter, Case, LoadScenario, LoadSpec, Profile, Suite } from '../core/types.ts';
import type { WorkItem } from './engine.ts';
import { arrivalSchedule, type ArrivalKind } from './arrivals.ts';
import { hrClock, sleepMs, timedCall, type CallSample } from './load-call.ts';
import { driftChecks, fmt, loadFigures, loadWindows, unstable, type DriftChecks, type LoadFigures, type LoadWindow } from './load-stats.ts';
import { loadItems } from './load-items.ts';
import { promptRenderer } from '../suites/prompt.ts';

export const LOAD_SCENARIOS: readonly LoadScenario[] = ['single-stream', 'server', 'offline', 'soak'];
/** Open-loop scenarios: queries go out at their scheduled times, latency counts from those times. */
export const isOpenLoop = (s: LoadScenario): boolean => s === 'server' || s === 'soak';
/** The SLO percentile: a scenario (or a rate of a sweep) meets the SLOs when its p90 latencies do. */
export const SLO_PERCENTILE = 90;

/** How one scenario runs (after defaults). */
export interface LoadSettings {
  scenario: LoadScenario;
  /** Offered rate (req/s) of server and soak. */
  rate?: number;
  arrivals: ArrivalKind;
  /** Gamma shape k (arrivals gamma). */
  gammaShape: number;
  /** Target run length (s): closed loop runs at least this long; open loop schedules rate × this many queries. */
  durationS: number;
  /** Queries to issue at least. */
  minQueries: number;
  /** Calls in flight at most (offline). */
  concurrency: number;
  seed: number;
  /** Harness-owned limit per call (ms). */
  timeoutMs: number;
}

/** The SLO verdict of a scenario at p90. */
export interface SloVerdict {
  percentile: number;
  e2eMs: number;
  ttftMs: number | null;
  /** p90 E2E ≤ e2e_ms and (when given) p90 TTFT ≤ ttft_ms. */
  met: boolean;
}

/** Result of one scenario (one rate of a sweep): figures, validity, and its calls in compact form. */
export type LoadResult =
  | {
      /** `single-stream`, `offline`, `server@40`, `soak@10`. */
      id: string;
      scenario: LoadScenario;
      state: 'completed';
      settings: LoadSettings;
      figures: LoadFigures;
      windows: LoadWindow[];
      slo: SloVerdict;
      drift: DriftChecks;
      valid: boolean;
      reasons: string[];
      /** Per call: scheduled, sent, first content, end (ms on the scenario clock), output tokens, ok. */
      calls: { s: number; sent: number; first: number | null; end: number; tokens: number; ok: boolean }[];
    }
  | { id: string; scenario: LoadScenario; state: 'errored'; settings: LoadSettings; error: string; valid: false; reasons: string[] };

/** Options of a load run. */
export interface LoadRunOptions {
  signal?: AbortSignal;
  /** Called as queries complete (done so far). */
  onProgress?: (done: number) => void;
}

/** The id of a scenario's result. */
export const loadResultId = (s: LoadSettings): string => (isOpenLoop(s.scenario) ? `${s.scenario}@${s.rate}` : s.scenario);

/** Closed loop (single-stream: 1 worker; offline: `concurrency`): runs until both the duration and the query count are reached, or the hard cap. */
async function closedLoop(adapter: Adapter, items: WorkItem[], s: LoadSettings, workers: number, o: LoadRunOptions): Promise<CallSample[]> {
  const now = hrClock();
  const durMs = s.durationS * 1000;
  const capMs = Math.max(4 * durMs, durMs + 30_000);
  const calls: CallSample[] = [];
  let issued = 0;
  const more = () => !o.signal?.aborted && now() < capMs && (now() < durMs || issued < s.minQueries);
  async function worker() {
    while (more()) {
      const item = items[issued++ % items.length];
      calls.push(await timedCall(adapter, item, now, undefined, s.timeoutMs, o.signal));
      o.onProgress?.(calls.length);
    }
  }
  await Promise.all(Array.from({ length: workers }, worker));
  return calls;
}

/** Open loop: each query goes out at its scheduled offset whatever happened to the earlier ones. */
async function openLoop(adapter: Adapter, items: WorkItem[], s: LoadSettings, o: LoadRunOptions): Promise<CallSample[]> {
  const rate = s.rate!;
  const count = Math.max(s.minQueries, Math.ceil(rate * s.durationS));
  const schedule = arrivalSchedule({ rate, count, kind: s.arrivals, shape: s.gammaShape, seed: s.seed });
  const now = hrClock();
  const pending: Promise<CallSample>[] = [];
  const calls: CallSample[] = [];
  for (let i = 0; i < count && !o.signal?.aborted; i++) {
    // A timer may fire up to ~1 ms early on the hrtime clock: sleep again until the due time is reached,
    // so no query goes out before its schedule (the client's lag is never negative).
    while (now() < schedule[i] && !o.signal?.aborted) await sleepMs(Math.max(1, schedule[i] - now()), o.signal);
    if (o.signal?.aborted) break;
    pending.push(
      timedCall(adapter, items[i % items.length], now, schedule[i], s.timeoutMs, o.signal).then((c) => {
        calls.push(c);
        o.onProgress?.(calls.length);
        return c;
      }),
    );
  }
  return Promise.all(pending);
}

/** Runs one scenario and judges it against the profile's SLOs and load validity rules. */
export async function runScenario(adapter: Adapter, items: WorkItem[], s: LoadSettings, profile: Profile, o: LoadRunOptions = {}): Promise<LoadResult> {
  const id = loadResultId(s);
  let calls: CallSample[];
  try {
    if (items.length === 0) throw new Error('no queries to send');
    if (isOpenLoop(s.scenario) && !(s.rate && s.rate > 0)) throw new Error(`${s.scenario} needs a rate (req/s)`);
    calls = isOpenLoop(s.scenario) ? await openLoop(adapter, items, s, o) : await closedLoop(adapter, items, s, s.scenario === 'offline' ? s.concurrency : 1, o);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { id, scenario: s.scenario, state: 'errored', settings: s, error, valid: false, reasons: [`errored: ${error}`] };
  }
  if (o.signal?.aborted) return { id, scenario: s.scenario, state: 'errored', settings: s, error: 'interrupted', valid: false, reasons: ['errored: interrupted'] };
  const figures = loadFigures(calls, profile.slo);
  if (figures.completed === 0) {
    const first = calls.find((c) => c.error)?.error ?? 'no call completed';
    return { id, scenario: s.scenario, state: 'errored', settings: s, error: `all ${calls.length} calls failed (${first})`, valid: false, reasons: [`errored: all ${calls.length} calls failed (${first})`] };
  }
  const L = profile.load;
  const windows = loadWindows(calls, L.windows, isOpenLoop(s.scenario));
  const reasons: string[] = [];
  if (figures.durationS < L.min_duration_s) reasons.push(`min-duration: measured ${fmt(figures.durationS)} s < ${L.min_duration_s} s (profile ${profile.id} load.min_duration_s)`);
  if (figures.completed < L.min_queries) reasons.push(`min-queries: ${figures.completed} completed < ${L.min_queries} (profile ${profile.id} load.min_queries)`);
  const u = unstable(windows, L.stability_windows, L.stability_tolerance, isOpenLoop(s.scenario));
  if (u) reasons.push(u);
  const maxErr = profile.validity.max_error_rate;
  if (figures.errors / figures.queries > maxErr) {
    reasons.push(`error-rate: ${figures.errors} of ${figures.queries} calls failed (${((100 * figures.errors) / figures.queries).toFixed(1)}% > ${(maxErr * 100).toFixed(1)}%)`);
  }
  const e2e = figures.e2eMs?.p90 ?? Infinity;
  const ttft = figures.ttftMs?.p90 ?? null;
  const met = e2e <= profile.slo.e2e_ms && (profile.slo.ttft_ms === undefined || (ttft ?? e2e) <= profile.slo.ttft_ms);
  return {
    id,
    scenario: s.scenario,
    state: 'completed',
    settings: s,
    figures,
    windows,
    slo: { percentile: SLO_PERCENTILE, e2eMs: profile.slo.e2e_ms, ttftMs: profile.slo.ttft_ms ?? null, met },
    drift: driftChecks(windows, figures, L.drift_tolerance, maxErr),
    valid: reasons.length === 0,
    reasons,
    calls: calls.map((c) => ({ s: r3(c.scheduledMs), sent: r3(c.sentMs), first: c.firstMs === undefined ? null : r3(c.firstMs), end: r3(c.endMs), tokens: c.outputTokens, ok: c.ok })),
  };
}

/** The settings of a suite.yaml `loads:` entry, with the profile's defaults. */
export function settingsOf(spec: LoadSpec, profile: Profile, base: { seed: number; timeoutMs: number }): LoadSettings {
  return {
    scenario: spec.scenario,
    ...(spec.rate !== undefined ? { rate: spec.rate } : {}),
    arrivals: spec.arrivals ?? 'poisson',
    gammaShape: spec.gamma_shape ?? 1,
    durationS: spec.duration_s ?? profile.load.min_duration_s,
    minQueries: spec.queries ?? profile.load.min_queries,
    concurrency: spec.concurrency ?? 8,
    seed: base.seed,
    timeoutMs: base.timeoutMs,
  };
}

/**
 * Runs the suite's `loads:` scenarios (none: an empty list) with the suite's cases as queries, in
 * order. `run` calls this after the cases; turn the results into score rows with loadMeasurements.
 */
export async function runLoads(
  adapter: Adapter,
  suite: Pick<Suite, 'prompts' | 'digest' | 'loads'>,
  cases: readonly Case[],
  profile: Profile,
  opts: { seed: number; timeoutMs: number } & LoadRunOptions,
): Promise<LoadResult[]> {
  const items = loadItems(cases, promptRenderer(suite), opts.seed, suite.digest);
  const out: LoadResult[] = [];
  for (const spec of suite.loads ?? []) {
    if (opts.signal?.aborted) break;
    out.push(await runScenario(adapter, items, settingsOf(spec, profile, opts), profile, opts));
  }
  return out;
}

/** The sweep of server rates: the highest valid rate whose p90 latencies meet the SLOs (null when none). */
export function sweepSummary(results: readonly LoadResult[]): { percentile: number; maxRate: number | null; rates: { rate: number; met: boolean; valid: boolean }[] } {
  const rates = results
    .filter((r) => r.scenario === 'server' && r.settings.rate !== undefined)
    .map((r) => ({ rate: r.settings.rate!, met: r.state === 'completed' && r.slo.met, valid: r.valid }));
  const ok = rates.filter((r) => r.met && r.valid).map((r) => r.rate);
  return { percentile: SLO_PERCENTILE, maxRate: ok.length ? Math.max(...ok) : null, rates };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
