import type { Measurement, Profile } from '../core/types.ts';
import { isOpenLoop, type LoadResult } from './load.ts';
import { fmt } from './load-stats.ts';

/** Throughput passes when the scenario reached this share of its target. */
export const KEEP_UP_SHARE = 0.95;

/**
 * The target throughput (req/s) of a scenario: the offered rate in open loop; in closed loop the
 * rate its workers would reach if every call took exactly the profile's E2E SLO
 * (workers × 1000 / slo.e2e_ms).
 */
export function targetRate(r: LoadResult, profile: Profile): number {
  if (isOpenLoop(r.scenario) && r.settings.rate) return r.settings.rate;
  const workers = r.scenario === 'offline' ? r.settings.concurrency : 1;
  return (workers * 1000) / profile.slo.e2e_ms;
}

/**
 * Score rows of load results, for the bundle's measurements.json: per result
 * `load:<id>:throughput` (operations.throughput.requests: achieved / target req/s, capped at 1),
 * `load:<id>:ttft` (operations.latency.ttft-slo: share of calls within slo.ttft_ms, when the profile
 * has one; pass at ≥ 0.9, the p90 rule) and `load:<id>:drift` (operations.stability.drift: share of
 * the three drift checks passed). A result that broke a validity rule marks each of its rows
 * `invalid` with the reasons; an errored one gives rows of value 0. Pure.
 */
export function loadMeasurements(results: readonly LoadResult[], profile: Profile): Measurement[] {
  const out: Measurement[] = [];
  for (const r of results) {
    const base = `load:${r.id}`;
    const invalid = r.valid ? {} : { invalid: r.reasons.join('; ') };
    if (r.state === 'errored') {
      const reason = `${r.id} errored: ${r.error}`;
      out.push({ indicator: 'operations.throughput.requests', id: `${base}:throughput`, value: 0, pass: false, reason, ...invalid });
      if (profile.slo.ttft_ms !== undefined) out.push({ indicator: 'operations.latency.ttft-slo', id: `${base}:ttft`, value: 0, pass: false, reason, ...invalid });
      out.push({ indicator: 'operations.stability.drift', id: `${base}:drift`, value: 0, pass: false, reason, ...invalid });
      continue;
    }
    const f = r.figures;
    const target = targetRate(r, profile);
    const share = Math.min(1, f.requestThroughput / target);
    out.push({
      indicator: 'operations.throughput.requests',
      id: `${base}:throughput`,
      value: r4(share),
      pass: share >= KEEP_UP_SHARE,
      reason: `${r.id}: ${fmt(f.requestThroughput)} req/s of ${fmt(target)} req/s target, ${fmt(f.outputTokenThroughput)} tok/s`,
      extra: {
        scenario: r.scenario,
        request_throughput_per_s: f.requestThroughput,
        target_per_s: r4(target),
        output_token_throughput_per_s: f.outputTokenThroughput,
        goodput_per_s: f.goodput,
        queries: f.queries,
        errors: f.errors,
        duration_s: f.durationS,
        e2e_p50_ms: f.e2eMs?.p50 ?? null,
        e2e_p90_ms: f.e2eMs?.p90 ?? null,
        e2e_p99_ms: f.e2eMs?.p99 ?? null,
        client_lag_p99_ms: f.clientLagMs?.p99 ?? null,
      },
      ...invalid,
    });
    if (profile.slo.ttft_ms !== undefined && f.sloShare.ttft !== null) {
      out.push({
        indicator: 'operations.latency.ttft-slo',
        id: `${base}:ttft`,
        value: f.sloShare.ttft,
        pass: f.sloShare.ttft >= 0.9,
        reason: `${r.id}: ${(f.sloShare.ttft * 100).toFixed(1)}% of calls TTFT ≤ ${profile.slo.ttft_ms} ms (p90 ${f.ttftMs ? fmt(f.ttftMs.p90) : 'n/a'} ms)`,
        extra: {
          ttft_p50_ms: f.ttftMs?.p50 ?? null,
          ttft_p90_ms: f.ttftMs?.p90 ?? null,
          ttft_p99_ms: f.ttftMs?.p99 ?? null,
          tpot_p50_ms: f.tpotMs?.p50 ?? null,
          tpot_p90_ms: f.tpotMs?.p90 ?? null,
          itl_chunk_p90_ms: f.itlChunkMs?.p90 ?? null,
          slo_ttft_ms: profile.slo.ttft_ms,
        },
        ...invalid,
      });
    }
    const d = r.drift;
    out.push({
      indicator: 'operations.stability.drift',
      id: `${base}:drift`,
      value: r4(d.passed / d.checks.length),
      pass: d.passed === d.checks.length,
      reason: `${r.id}: ${d.checks.map((c) => `${c.passed ? 'ok' : 'FAIL'} ${c.message}`).join('; ')}`,
      extra: { latency_drift: d.latencyDrift, throughput_drift: d.throughputDrift, error_rate: d.errorRate },
      ...invalid,
    });
  }
  return out;
}

const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
