import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runEngine } from "../dist/runners/engine.js";
import { Journal } from "../dist/runners/journal.js";
import { scoreRun } from "../dist/metrics/score-run.js";
import { aggregate } from "../dist/metrics/aggregate.js";
import { scorers } from "../dist/metrics/index.js";
import { promptRenderer } from "../dist/suites/prompt.js";
import { loadCatalog } from "../dist/suites/catalog.js";
import { loadProfile } from "../dist/suites/profile.js";
/** A synthetic suite of `n` cases (choice and exact, zh and en, six scenarios). */
export function syntheticSuite(n) {
    const scenarios = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, name: { zh: `场景${i}`, en: `Scenario ${i}` }, threshold: 0.5 }));
    // Shared strings and option lists (as a suite loader would intern repeated values): per case only
    // its id, input and answer are its own.
    const ids = scenarios.map((s) => s.id);
    const choices = Object.freeze(['alpha', 'beta', 'gamma', 'delta']);
    const cases = new Array(n);
    for (let i = 0; i < n; i++) {
        const lang = i % 5 < 3 ? 'zh' : 'en';
        cases[i] = i % 4 === 3
            ? { id: `syn-${i}`, scenario: ids[i % 6], indicator: 'capability.performance.calculation', lang, task: 'exact', input: `What is ${i} + ${i}?`, expected: String(2 * i), source: 'synthetic' }
            : { id: `syn-${i}`, scenario: ids[i % 6], indicator: 'capability.performance.knowledge', lang, task: 'choice', input: `Question ${i}: pick the right option.`, choices, answer: i % 4, source: 'synthetic' };
    }
    const prompts = {
        choice: { zh: '问题：{{input}}\n{{#each choices}}{{letter @index}}. {{this}}\n{{/each}}答案：', en: 'Question: {{input}}\n{{#each choices}}{{letter @index}}. {{this}}\n{{/each}}Answer:' },
        exact: { zh: '问题：{{input}}\n答案：', en: 'Question: {{input}}\nAnswer:' },
    };
    return { id: 'synthetic', version: '1', digest: 'synthetic', industry: 'test', name: { zh: '合成', en: 'Synthetic' }, scenarios, prompts, cases, root: '.' };
}
/** Zero-latency in-process adapter over a synthetic suite: answers right three times in four, at once. */
export function zeroAdapter(cases) {
    // Case `syn-<i>` is cases[i]: no id map (it would weigh more than the harness at a million cases).
    return {
        id: 'zero',
        describe: () => ({ id: 'zero', spec: 'zero', kind: 'test', supportsLogprobs: false }),
        async call(_req, caseId) {
            const c = cases[Number(caseId.slice(4))];
            const right = caseId.length % 4 !== 0;
            if (c.task === 'exact')
                return { output: right ? String(c.expected) : '0' };
            return { output: `答案是${String.fromCharCode(65 + (right ? c.answer : (c.answer + 1) % 4))}` };
        },
        async close() { },
    };
}
/** The suite's work items, prompts rendered as the engine asks for them (a generator: nothing held). */
export function* workItems(suite, phase = 'main', cases = suite.cases) {
    const render = promptRenderer(suite);
    for (const c of cases) {
        const r = scorers.get(c.task).request(c);
        yield { caseId: c.id, phase, request: { prompt: render(c), temperature: 0, seed: 1, maxTokens: r.maxTokens } };
    }
}
/**
 * One pass of the whole harness path for `n` cases, as `run` takes it: prompts rendered, engine
 * with the journal written to disk, scoring, aggregation. Returns cases per second (wall time).
 */
export async function engineThroughput(n, concurrency = 16) {
    const suite = syntheticSuite(n);
    const catalog = await loadCatalog();
    const profile = await loadProfile('certification');
    const adapter = zeroAdapter(suite.cases);
    const dir = mkdtempSync(join(tmpdir(), 'mg-bench-'));
    try {
        const t0 = performance.now();
        // As `run` does: records journaled to disk as they arrive and kept for scoring.
        const journal = new Journal(join(dir, 'responses.jsonl'));
        const responses = [];
        await runEngine(adapter, workItems(suite), (r) => { journal.append(r); responses.push(r); }, { concurrency, timeoutMs: 60_000, total: n });
        await journal.close();
        const scores = scoreRun(suite.cases, responses, profile);
        const sc = aggregate({ suite, catalog, profile, model: { id: 'zero' }, scores, responses });
        if (sc.counts.responses !== n)
            throw new Error(`expected ${n} responses, got ${sc.counts.responses}`);
        return n / ((performance.now() - t0) / 1000);
    }
    finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
