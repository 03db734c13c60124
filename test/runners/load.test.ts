import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario, runLoads, sweepSummary, type LoadResult, type LoadSettings } from '../../src/runners/load.ts';
import { loadMeasurements } from '../../src/runners/load-measure.ts';
import { loadFigures } from '../../src/runners/load-stats.ts';
import type { WorkItem } from '../../src/runners/engine.ts';
import { loadProfile } from '../../src/suites/profile.ts';
import { loadAll } from '../../src/cli/context.ts';
import { SuiteFileSchema } from '../../src/core/schemas.ts';
import type { Adapter, CallContext, Profile } from '../../src/core/types.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real server with one worker: calls queue; each is served for `service(now)` ms, streaming two chunks. */
function singleServer(service: (elapsedMs: number) => number): Adapter {
  let freeAt = 0;
  const t0 = performance.now();
  return {
    id: 'single-server',
    describe: () => ({ id: 'single-server', spec: 'test', kind: 'test', supportsLogprobs: false }),
    async call(_req, _id, ctx: CallContext) {
      const now = performance.now();
      const start = Math.max(now, freeAt);
      const ms = service(start - t0);
      freeAt = start + ms;
      await sleep(start - now + ms / 2);
      ctx.firstToken();
      ctx.onToken?.('alpha beta');
      await sleep(freeAt - performance.now());
      ctx.onToken?.(' gamma delta');
      return { output: 'alpha beta gamma delta', usage: { inputTokens: 3, outputTokens: 4 } };
    },
    async close() {},
  };
}

/** Every call takes `ms`, all in parallel (no queue). */
function parallel(ms: number, fail?: (i: number) => boolean): Adapter {
  let i = 0;
  return {
    id: 'parallel',
    describe: () => ({ id: 'parallel', spec: 'test', kind: 'test', supportsLogprobs: false }),
    async call(_req, _id, ctx) {
      const n = i++;
      await sleep(ms);
      if (fail?.(n)) throw new Error('scripted failure');
      ctx.firstToken();
      return { output: 'one two three' };
    },
    async close() {},
  };
}

const items: WorkItem[] = Array.from({ length: 7 }, (_, i) => ({ caseId: `c${i}`, phase: 'main', request: { prompt: `q${i}`, temperature: 0, seed: 1, maxTokens: 8 } }));
let ci: Profile;
const profile = (load: Partial<Profile['load']>): Profile => ({ ...ci, load: { ...ci.load, ...load } });
const settings = (s: Partial<LoadSettings> & Pick<LoadSettings, 'scenario'>): LoadSettings => ({ arrivals: 'poisson', gammaShape: 1, durationS: 1, minQueries: 1, concurrency: 4, seed: 1, timeoutMs: 10_000, ...s });
const done = (r: LoadResult) => {
  if (r.state !== 'completed') throw new Error(`errored: ${r.error}`);
  return r;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]; // nearest rank, as the figures

test.before(async () => {
  ci = await loadProfile('ci');
});

test('server, overload: open-loop latency from the scheduled time grows across the run', async () => {
  // 20 ms service = 50 req/s capacity, offered 100 req/s for 2 s: the queue grows all along.
  const r = done(await runScenario(singleServer(() => 20), items, settings({ scenario: 'server', rate: 100, durationS: 2 }), profile({ min_duration_s: 0.1, min_queries: 1 })));
  assert.is(r.figures.queries, 200);
  const lat = r.calls.map((c) => c.end - c.s);
  const early = median(lat.slice(0, 5));
  const late = median(lat.slice(-20));
  assert.ok(late > 5 * early, `late ${late} ms vs early ${early} ms`);
  assert.ok(r.figures.e2eMs!.p99 > 1000, `p99 ${r.figures.e2eMs!.p99}`);
  assert.ok(r.figures.requestThroughput < 75, `throughput ${r.figures.requestThroughput} req/s is capped near 50`);
  // The client's own lag is reported separately and is not the latency.
  assert.ok(r.figures.clientLagMs !== null && r.figures.clientLagMs.p50 >= 0 && r.figures.clientLagMs.p50 < early, `client lag p50 ${r.figures.clientLagMs?.p50} ms vs early latency ${early} ms`);
  assert.is(r.slo.met, r.figures.e2eMs!.p90 <= ci.slo.e2e_ms && r.figures.ttftMs!.p90 <= ci.slo.ttft_ms!);
});

test('single-stream on the same server: closed loop sees no queue (what coordinated omission would report)', async () => {
  const r = done(await runScenario(singleServer(() => 20), items, settings({ scenario: 'single-stream', durationS: 0.6, minQueries: 1 }), profile({ min_duration_s: 0.1, min_queries: 1 })));
  const lat = r.calls.map((c) => c.end - c.s);
  assert.ok(median(lat.slice(-5)) < 3 * median(lat.slice(0, 5)));
  assert.ok(r.figures.clientLagMs!.p99 === 0);
});

test('per-call timing: TTFT < E2E, TPOT = (E2E − TTFT)/(tokens − 1), ITL per chunk and per token', async () => {
  const r = done(await runScenario(singleServer(() => 30), items, settings({ scenario: 'single-stream', durationS: 0.2, minQueries: 4 }), profile({ min_duration_s: 0.1, min_queries: 1 })));
  const f = r.figures;
  assert.ok(f.queries >= 4);
  assert.ok(f.ttftMs!.p50 >= 14 && f.ttftMs!.p50 < f.e2eMs!.p50);
  const tpot = median(r.calls.map((x) => (x.end - x.first!) / (4 - 1)));
  assert.ok(f.tpotMs!.p50 > 0 && Math.abs(f.tpotMs!.p50 - tpot) < 1e-2, `${f.tpotMs!.p50} vs ${tpot}`);
  // One gap per call (two chunks each), inside the call.
  assert.is(f.itlChunkMs!.n, f.completed);
  assert.ok(f.itlChunkMs!.p50 > 0 && f.itlChunkMs!.p50 < f.e2eMs!.p50, `itl ${f.itlChunkMs!.p50}`);
  // The second chunk has 2 tokens: per-token ITL is half the chunk gap.
  assert.ok(Math.abs(f.itlTokenMs!.p50 * 2 - f.itlChunkMs!.p50) < 0.5);
  assert.is(f.itlTokenMs!.n, 2 * f.itlChunkMs!.n);
  assert.ok(Math.abs(f.outputTokenThroughput / f.requestThroughput - 4) < 0.01);
});

test('stability: a slowing adapter is UNSTABLE, a steady one stable', async () => {
  // Generous margins for a busy machine: 4 windows of 0.5 s (~40 calls each), 50% tolerance.
  const p = profile({ min_duration_s: 0.1, min_queries: 1, windows: 4, stability_tolerance: 0.5 });
  const steady = done(await runScenario(singleServer(() => 10), items, settings({ scenario: 'single-stream', durationS: 2 }), p));
  assert.not.ok(steady.reasons.some((x) => x.startsWith('UNSTABLE')), steady.reasons.join('; '));
  assert.ok(steady.valid, steady.reasons.join('; '));
  // Service time doubles every 0.4 s: 5 ms at the start, ~160 ms at the end.
  const slowing = done(await runScenario(singleServer((t) => 5 * 2 ** (t / 400)), items, settings({ scenario: 'single-stream', durationS: 2 }), p));
  const u = slowing.reasons.find((x) => x.startsWith('UNSTABLE'));
  assert.ok(u, `reasons: ${slowing.reasons.join('; ')}`);
  assert.match(u!, /^UNSTABLE: last 3 windows [\d.]+–[\d.]+ req\/s differ by \d+% > 50%$/);
  assert.not.ok(slowing.valid);
  assert.ok(slowing.drift.checks.find((c) => c.id === 'latency-drift')!.passed === false);
});

test('validity: min duration and min queries; closed loop issues at least min-queries', async () => {
  const p = profile({ min_duration_s: 5, min_queries: 1000, stability_tolerance: 100 });
  const r = done(await runScenario(parallel(2), items, settings({ scenario: 'single-stream', durationS: 0.05, minQueries: 12 }), p));
  assert.ok(r.figures.queries >= 12);
  assert.not.ok(r.valid);
  assert.ok(r.reasons.some((x) => /^min-duration: measured [\d.]+ s < 5 s/.test(x)), r.reasons.join('; '));
  assert.ok(r.reasons.some((x) => /^min-queries: \d+ completed < 1000/.test(x)), r.reasons.join('; '));
  const ok = done(await runScenario(parallel(2), items, settings({ scenario: 'single-stream', durationS: 0.3, minQueries: 12 }), profile({ min_duration_s: 0.2, min_queries: 12, stability_tolerance: 100 })));
  assert.ok(ok.valid, ok.reasons.join('; '));
});

test('offline: bounded concurrency gives more throughput than single-stream', async () => {
  const p = profile({ min_duration_s: 0.1, min_queries: 1, stability_tolerance: 100 });
  const one = done(await runScenario(parallel(20), items, settings({ scenario: 'single-stream', durationS: 0.4 }), p));
  const off = done(await runScenario(parallel(20), items, settings({ scenario: 'offline', durationS: 0.4, concurrency: 4 }), p));
  assert.ok(off.figures.requestThroughput > 2 * one.figures.requestThroughput, `${off.figures.requestThroughput} vs ${one.figures.requestThroughput}`);
});

test('errors: error rate breaks validity; all calls failing (timeouts) is errored', async () => {
  const p = profile({ min_duration_s: 0.05, min_queries: 1, stability_tolerance: 100 });
  const r = done(await runScenario(parallel(3, (i) => i % 2 === 0), items, settings({ scenario: 'single-stream', durationS: 0.1, minQueries: 10 }), p));
  assert.ok(r.figures.errors >= 5);
  assert.ok(r.reasons.some((x) => x.startsWith('error-rate:')));
  const never: Adapter = { ...parallel(0), call: () => new Promise(() => {}) };
  const t = await runScenario(never, items, settings({ scenario: 'single-stream', durationS: 0.01, minQueries: 2, timeoutMs: 30 }), p);
  assert.is(t.state, 'errored');
  assert.not.ok(t.valid);
  assert.match(t.reasons[0], /errored: all 2 calls failed \(timeout: no reply within 30 ms\)/);
  const norate = await runScenario(parallel(1), items, settings({ scenario: 'server' }), p);
  assert.is(norate.state, 'errored');
});

test('loadMeasurements: rows per result, invalid carries the broken rule, errored rows are 0', async () => {
  const p = profile({ min_duration_s: 0.05, min_queries: 1, stability_tolerance: 100 });
  const good = done(await runScenario(parallel(2), items, settings({ scenario: 'server', rate: 200, durationS: 0.5 }), p));
  const bad = done(await runScenario(parallel(2), items, settings({ scenario: 'single-stream', durationS: 0.05, minQueries: 3 }), profile({ min_duration_s: 60, stability_tolerance: 100 })));
  const never: Adapter = { ...parallel(0), call: () => Promise.reject(new Error('down')) };
  const err = await runScenario(never, items, settings({ scenario: 'offline', durationS: 0.01, minQueries: 2 }), p);
  const ms = loadMeasurements([good, bad, err], p);
  assert.equal(ms.map((m) => m.id), [
    'load:server@200:throughput', 'load:server@200:ttft', 'load:server@200:drift',
    'load:single-stream:throughput', 'load:single-stream:ttft', 'load:single-stream:drift',
    'load:offline:throughput', 'load:offline:ttft', 'load:offline:drift',
  ]);
  assert.equal([...new Set(ms.map((m) => m.indicator))].sort(), ['operations.latency.ttft-slo', 'operations.stability.drift', 'operations.throughput.requests']);
  const thr = ms[0];
  assert.ok(thr.value > 0.5 && thr.value <= 1 && thr.invalid === undefined, JSON.stringify(thr));
  assert.is(thr.extra!.target_per_s, 200);
  assert.is(ms[1].value, good.figures.sloShare.ttft);
  assert.match(ms[3].invalid!, /^min-duration: /);
  assert.ok(ms.slice(6).every((m) => m.value === 0 && !m.pass && /errored: all \d+ calls failed \(down\)/.test(m.invalid!)));
  const noTtft = loadMeasurements([good], { ...p, slo: { e2e_ms: 2000 } });
  assert.equal(noTtft.map((m) => m.id), ['load:server@200:throughput', 'load:server@200:drift']);
  assert.equal(sweepSummary([good]).maxRate, good.slo.met && good.valid ? 200 : null);
  assert.is(loadFigures([], p.slo).requestThroughput, 0);
});

test('suite.yaml loads: schema accepts and rejects; runLoads runs them in order', async () => {
  const base = { id: 's', version: '1', industry: 'x', name: { zh: '甲', en: 'a' }, scenarios: [{ id: 'a', name: { zh: '甲', en: 'a' }, threshold: 0.5 }], prompts: {} };
  assert.ok(SuiteFileSchema.safeParse({ ...base, loads: [{ scenario: 'server', rate: 4, duration_s: 30, arrivals: 'gamma', gamma_shape: 0.5 }] }).success);
  const bad = SuiteFileSchema.safeParse({ ...base, loads: [{ scenario: 'servre' }] });
  assert.not.ok(bad.success);
  assert.not.ok(SuiteFileSchema.safeParse({ ...base, loads: [{ scenario: 'server', rate: -1 }] }).success);
  const { suite } = await loadAll('finance', 'ci');
  const loads = [{ scenario: 'single-stream' as const, duration_s: 0.1, queries: 3 }, { scenario: 'server' as const, rate: 50, duration_s: 0.2 }];
  const prompts: string[] = [];
  const recorder: Adapter = { ...parallel(1), async call(req, _id, ctx) { prompts.push(req.prompt); assert.is(req.continuations, undefined); ctx.firstToken(); return { output: 'ok' }; } };
  const rs = await runLoads(recorder, { ...suite, loads }, suite.cases.slice(0, 5), profile({ min_duration_s: 0.05, min_queries: 1, stability_tolerance: 100 }), { seed: 1, timeoutMs: 5000 });
  assert.equal(rs.map((r) => r.id), ['single-stream', 'server@50']);
  assert.ok(rs.every((r) => r.state === 'completed'));
  assert.ok(prompts.length >= 13);
  assert.ok(prompts.every((x) => x.length > 10));
  assert.equal(await runLoads(recorder, { ...suite, loads: undefined }, suite.cases, ci, { seed: 1, timeoutMs: 5000 }), [], 'a suite without loads: measures none');
});

test.run();
