import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runEngine } from '../dist/runners/engine.js';
import { openModel, parseModelSpec } from '../dist/runners/models.js';
import { MODELS_DIR } from '../dist/suites/paths.js';

/** Prompts of the reference model's kind: short answers, a long prefill, and a long generation. */
const PROMPTS = [
  { prompt: '以下是一道单项选择题，请直接给出正确选项。\n问题：根据《存款保险条例》，同一存款人在同一家投保机构所有被保险存款账户的存款本金和利息合并计算的最高偿付限额是多少？\nA. 20万元\nB. 50万元\nC. 100万元\nD. 500万元\n答案：', maxTokens: 32 },
  { prompt: 'The following is a multiple-choice question. Give the correct option.\nQuestion: What is the maximum length of an IBAN (International Bank Account Number)?\nA. 22 characters\nB. 34 characters\nC. 16 characters\nD. 40 characters\nAnswer:', maxTokens: 32 },
  { prompt: 'the', maxTokens: 64 },
  { prompt: '答案：', maxTokens: 64 },
];

/**
 * Event-loop delay of the main thread while the onnx adapter (ref-strong, cpu) serves `calls` calls
 * through the engine at `concurrency` in flight: perf_hooks.monitorEventLoopDelay at 1 ms
 * resolution, enabled for the timed calls only. Decoding on the main thread shows up here as delay
 * (every timestamp the engine takes would be late by as much); with inference in a worker thread
 * the main thread only passes messages. Returns p50 / p99 / max delay (ms) and the wall time (ms).
 */
export async function eventLoopDelay(calls = 200, concurrency = 4) {
  const adapter = await openModel(parseModelSpec('ref-strong', MODELS_DIR), { device: 'cpu' });
  try {
    const items = Array.from({ length: calls }, (_, i) => {
      const p = PROMPTS[i % PROMPTS.length];
      return { caseId: `e${i}`, phase: 'main', request: { prompt: p.prompt, temperature: 0, maxTokens: p.maxTokens, seed: 1 } };
    });
    await runEngine(adapter, items.slice(0, 8), () => {}, { concurrency, timeoutMs: 60_000 }); // warm-up
    const recs = [];
    const h = monitorEventLoopDelay({ resolution: 1 });
    const t0 = performance.now();
    h.enable();
    await runEngine(adapter, items, (r) => recs.push(r), { concurrency, timeoutMs: 60_000 });
    h.disable();
    const wallMs = performance.now() - t0;
    const failed = recs.filter((r) => r.status !== 'ok');
    if (recs.length !== calls || failed.length) throw new Error(`event-loop bench: ${failed.length} of ${recs.length} calls failed`);
    const ms = (ns) => Number((ns / 1e6).toFixed(3));
    return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), samples: h.count, wallMs: Number(wallMs.toFixed(1)), calls, concurrency };
  } finally {
    await adapter.close();
  }
}
