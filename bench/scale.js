/**
 * A million cases in bounded memory. In a CHILD process (so the figure is that process's own peak):
 * a synthetic suite of `n` cases through the zero-latency adapter and the engine, journaled to a
 * real responses.jsonl in a temporary bundle folder, plus the profile's re-asks; then
 * finalizeBundle — the stages `run` goes through after the engine: the journal streamed back in
 * case order, scored, aggregated into the scorecard, every report rendered (scorecard.html
 * included) and the manifest written. Peak RSS is /proc/self/status VmHWM at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

/** Peak and current resident set (MB) of this process, from /proc/self/status. */
function rss() {
    const s = readFileSync('/proc/self/status', 'utf8');
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN);
    return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

/** The child's work: prints one JSON line of figures. */
async function child(n) {
    const { syntheticSuite, zeroAdapter, workItems } = await import('./engine.js');
    const { runEngine } = await import('../dist/runners/engine.js');
    const { Journal } = await import('../dist/runners/journal.js');
    const { finalizeBundle } = await import('../dist/cli/finalize.js');
    const { loadCatalog } = await import('../dist/suites/catalog.js');
    const { loadProfile } = await import('../dist/suites/profile.js');
    const catalog = await loadCatalog();
    const profile = await loadProfile('certification');
    const base = rss().now;
    const suite = syntheticSuite(n);
    const afterSuite = rss().now;
    const adapter = zeroAdapter(suite.cases);
    const dir = mkdtempSync(join(tmpdir(), 'mg-scale-'));
    try {
        const journal = new Journal(join(dir, 'responses.jsonl'));
        const sink = (r) => journal.append(r);
        const opts = { concurrency: 16, timeoutMs: 60_000 };
        const t0 = performance.now();
        const res = await runEngine(adapter, workItems(suite), sink, { ...opts, total: n });
        const engineS = (performance.now() - t0) / 1000;
        // The re-asks (evenly spread: run picks them with a seeded hash).
        const k = profile.determinism.repeats;
        const again = Array.from({ length: k }, (_, i) => suite.cases[Math.floor((i * n) / k)]);
        await runEngine(adapter, workItems(suite, 'repeat', again), sink, { ...opts, total: k });
        await journal.close();
        const afterEngine = rss();
        if (process.env.BENCH_SCALE_DEBUG) console.error(JSON.stringify(process.memoryUsage()));
        const t1 = performance.now();
        const facts = { harness: { name: 'modelgrade', version: 'bench' }, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), seed: 1, environment: {}, options: { requested: {}, resolved: {} }, model: {} };
        const { scorecard } = await finalizeBundle({ dir, suite, cases: suite.cases, catalog, profile, model: adapter.describe(), facts, lang: 'zh' });
        const finalizeS = (performance.now() - t1) / 1000;
        if (res.records !== n || scorecard.counts.responses !== n)
            throw new Error(`expected ${n} responses, got ${res.records} / ${scorecard.counts.responses}`);
        const end = rss();
        const mb = (f) => Number((statSync(join(dir, f)).size / 2 ** 20).toFixed(1));
        console.log(JSON.stringify({
            n, rssPeakMb: end.peak, engineCasesPerS: n / engineS, engineS, finalizeS,
            rssMb: { baseline: base, suite: afterSuite, afterEngine: afterEngine.now, peakAfterEngine: afterEngine.peak, end: end.now },
            files: { responses_mb: mb('responses.jsonl'), scores_mb: mb('scores.jsonl'), csv_mb: mb('scores.csv'), html_mb: mb('scorecard.html') },
            overall: scorecard.overall,
        }));
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** Runs the scale pass for `n` cases in a child process; resolves with its figures. */
export function scaleRun(n = 1_000_000) {
    return new Promise((resolve, reject) => {
        // BENCH_SCALE_NODE_FLAGS (e.g. --max-old-space-size=400): a diagnostic of live memory against V8's GC headroom.
        const flags = (process.env.BENCH_SCALE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
        const p = spawn(process.execPath, [...flags, SELF, '--child', String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('exit', (code) => {
            const line = out.trim().split('\n').pop();
            if (code !== 0 || !line) reject(new Error(`scale child exited with ${code}`));
            else resolve(JSON.parse(line));
        });
    });
}

if (process.argv[1] === SELF) {
    if (process.argv[2] === '--child') await child(Number(process.argv[3]));
    else console.log(JSON.stringify(await scaleRun(Number(process.argv[2] ?? 1_000_000)), null, 2));
}
