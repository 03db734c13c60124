/**
 * `npm run bench`: the harness's own benchmarks. Prints one figure a line as `name: value unit`
 * and writes them to bench/results.json. Medians of repeated runs, measured in this one process.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { engineThroughput } from "./engine.js";
import { ortParity } from "./ort-parity.js";
import { eventLoopDelay } from "./event-loop.js";
import { reportRender } from "./report.js";
import { scoreThroughput } from "./score.js";
import { scaleRun } from "./scale.js";
import { serveSoak } from "./soak.js";
import { httpVsAutocannon } from "./http.js";
import { ttftError } from "./ttft.js";
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const figures = [];
const say = (f) => {
    figures.push(f);
    console.log(`${f.name}: ${f.value} ${f.unit}`);
};
// `node bench/run.js [group,...]`: only those groups (engine, ort, event, report, score, http, ttft, scale, soak);
// their figures replace the same names in bench/results.json, the others are kept.
const only = process.argv[2]?.split(',');
const want = (name) => !only || only.includes(name);
if (want('engine')) {
    await engineThroughput(10_000); // warm-up
    const runs = [];
    for (let i = 0; i < 5; i++)
        runs.push(await engineThroughput(100_000));
    say({ name: 'engine_cases_per_s', value: Math.round(median(runs)), unit: 'cases/s', target: '>= 50000', detail: { cases: 100_000, runs: runs.length, min: Math.round(Math.min(...runs)), max: Math.round(Math.max(...runs)) } });
}
if (want('ort')) {
    const p = await ortParity(300);
    say({ name: 'ort_parity_ratio', value: Number(p.ratio.toFixed(3)), unit: 'x', target: '<= 1.03', detail: { harness_p50_ms: p.harnessP50, raw_p50_ms: Number(p.rawP50.toFixed(3)), output_tokens: p.tokens, calls: 300 } });
    say({ name: 'ort_parity_overhead_ms', value: Number((p.harnessP50 - p.rawP50).toFixed(3)), unit: 'ms', detail: { note: 'harness p50 minus raw session.run loop p50 for the same call' } });
}
if (want('event')) {
    const e = await eventLoopDelay(200, 4);
    say({ name: 'event_loop_p99_ms', value: e.p99Ms, unit: 'ms', target: '<= 10', detail: { p50_ms: e.p50Ms, max_ms: e.maxMs, samples: e.samples, calls: e.calls, concurrency: e.concurrency, wall_ms: e.wallMs, model: 'ref-strong', device: 'cpu' } });
}
if (want('report')) {
    await reportRender(10_000); // warm-up
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await reportRender(100_000));
    const secs = runs.map((r) => r.seconds);
    say({ name: 'report_render_s_100k', value: Number(median(secs).toFixed(3)), unit: 's', target: '<= 3', detail: { cases: 100_000, runs: runs.length } });
    say({ name: 'report_html_mb_100k', value: Number((runs[0].bytes / 2 ** 20).toFixed(3)), unit: 'MB', target: '<= 5' });
}
if (want('score')) {
    await scoreThroughput(10_000); // warm-up
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await scoreThroughput(100_000));
    const rates = runs.map((r) => r.perSecond);
    say({ name: 'score_cases_per_s', value: Math.round(median(rates)), unit: 'cases/s', detail: { cases: 100_000, runs: runs.length, scorers: 10, scores: runs[0].scores, min: Math.round(Math.min(...rates)), max: Math.round(Math.max(...rates)) } });
}
if (want('http')) {
    const h = await httpVsAutocannon({ ms: 2000, rounds: 5, connections: 32, warmupMs: 3000 });
    const detail = { connections: h.connections, window_ms: h.ms, rounds: h.rounds, adapter_runs: h.adapterRuns.map(Math.round), autocannon_runs: h.autocannonRuns.map(Math.round), note: 'zero-work node:http server in a child process answering a fixed SSE completion; adapter = openai: through runEngine (concurrency 32); medians of alternating windows' };
    say({ name: 'http_vs_autocannon_ratio', value: Number(h.ratio.toFixed(3)), unit: 'x', target: '>= 0.8', detail });
    say({ name: 'http_adapter_rps', value: Math.round(h.adapterRps), unit: 'req/s' });
    say({ name: 'http_autocannon_rps', value: Math.round(h.autocannonRps), unit: 'req/s' });
}
if (want('ttft')) {
    const t = await ttftError({ requests: 51, warmup: 3 });
    say({ name: 'ttft_error_ms', value: Number(t.maxMs.toFixed(3)), unit: 'ms', target: '<= 1', detail: { requests: t.n, p50_ms: Number(t.p50Ms.toFixed(3)), max_by_delay_ms: Object.fromEntries(Object.entries(t.byDelay).map(([k, v]) => [k, Number(v.toFixed(3))])), includes: 'harness TTFT (engine: call start to the adapter\'s first content chunk) minus the server\'s first-chunk send time after its request event: so it includes request serialisation, both loopback trips, the server\'s HTTP parse, the client\'s HTTP and SSE/JSON parse of the chunk, and scheduling delay of both processes' } });
}
if (want('scale')) {
    // One child process per pass (its own peak RSS); a pass of a million cases takes a minute or more.
    const runs = [];
    for (let i = 0; i < Number(process.env.BENCH_SCALE_RUNS ?? 1); i++) runs.push(await scaleRun(1_000_000));
    const rss = runs.map((r) => r.rssPeakMb);
    const rates = runs.map((r) => r.engineCasesPerS);
    const r0 = runs[0];
    const detail = { cases: r0.n, runs: runs.length, stages: 'synthetic suite → zero-latency adapter → engine (+ re-asks) → responses.jsonl → finalizeBundle (journal streamed, scored, aggregated, every report incl. scorecard.html, manifest)', engine_s: Number(r0.engineS.toFixed(1)), finalize_s: Number(r0.finalizeS.toFixed(1)), rss_mb_stages: Object.fromEntries(Object.entries(r0.rssMb).map(([k, v]) => [k, Math.round(v)])), files_mb: r0.files };
    say({ name: 'rss_mb_1m_cases', value: Math.round(median(rss)), unit: 'MB', target: '<= 512', detail: { ...detail, note: 'VmHWM of the child process', all: rss.map(Math.round) } });
    say({ name: 'engine_cases_per_s_1m', value: Math.round(median(rates)), unit: 'cases/s', target: '>= 50000', detail: { cases: r0.n, runs: runs.length, note: 'prompt rendering, engine and journal only (no scoring)', all: rates.map(Math.round) } });
}
if (want('soak')) {
    const s = await serveSoak({ clients: 256 });
    say({ name: 'serve_rss_growth_pct', value: Number(s.growthPct.toFixed(2)), unit: '%', target: '< 10', detail: { seconds: s.seconds, warmup_s: s.warmupS, warmup_series_mb: s.warmSeries, measured_requests: s.measuredRequests, clients: s.clients, model: s.model, requests: s.requests, errors: s.errors, rss_first_mb: Number(s.first.toFixed(1)), rss_last_mb: Number(s.last.toFixed(1)), rss_peak_mb: Number(s.peak.toFixed(1)), window_s: s.window, samples: s.samples, warm_growth_pct: Number(s.warmGrowthPct.toFixed(2)), rss_series_mb: s.series, note: 'modelgrade serve in a child process, 256 streaming clients (raw fetch, SSE to [DONE]); mean RSS of the last window vs the first of the measured span, after an unmeasured warm-up' } });
}
const results = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` },
    figures: Object.fromEntries(figures.map((f) => [f.name, { ...f, date: new Date().toISOString() }])),
};
const file = new URL('./results.json', import.meta.url);
if (only && existsSync(file)) {
    try {
        results.figures = { ...JSON.parse(readFileSync(file, 'utf8')).figures, ...results.figures };
    } catch {
        // unreadable: start afresh
    }
}
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
