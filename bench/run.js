/**
 * `npm run bench`: the harness's own benchmarks. Prints one figure a line as `name: value unit`
 * and writes them to bench/results.json. Medians of repeated runs, measured in this one process.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { engineThroughput } from "./engine.js";
import { ortParity } from "./ort-parity.js";
import { reportRender } from "./report.js";
import { scoreThroughput } from "./score.js";
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const figures = [];
const say = (f) => {
    figures.push(f);
    console.log(`${f.name}: ${f.value} ${f.unit}`);
};
const only = process.argv[2];
const want = (name) => !only || name.includes(only);
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
const results = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` },
    figures: Object.fromEntries(figures.map((f) => [f.name, f])),
};
writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
