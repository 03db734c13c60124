import { join } from 'node:path';
import { runEngine } from "../dist/runners/engine.js";
import { openModel, parseModelSpec } from "../dist/runners/models.js";
import { MODELS_DIR } from "../dist/suites/paths.js";
import { percentile } from "../dist/metrics/stats.js";
const PROMPT = '以下是一道单项选择题，请直接给出正确选项。\n问题：根据《存款保险条例》，同一存款人在同一家投保机构所有被保险存款账户的存款本金和利息合并计算的最高偿付限额是多少？\nA. 20万元\nB. 50万元\nC. 100万元\nD. 500万元\n答案：';
/**
 * Harness-measured p50 latency of the reference model (engine timestamps on the main thread around
 * the onnx adapter: tokenising, decoding in the adapter's worker thread, the messages to and fro)
 * ÷ p50 of a raw onnxruntime-node loop doing the same session.run calls (prefill + greedy decode
 * with the KV cache) on the same token ids, in this thread. The two are measured in alternating
 * blocks of `block` calls, so that a change in machine load (a shared machine) falls on both.
 * Returns both p50s (ms) and the ratio.
 */
export async function ortParity(calls = 300, block = 30) {
    const adapter = await openModel(parseModelSpec('ref-strong', MODELS_DIR), { device: 'cpu' });
    const req = { prompt: PROMPT, temperature: 0, maxTokens: 32, seed: 1 };
    const items = Array.from({ length: calls }, (_, i) => ({ caseId: `p${i}`, phase: 'main', request: req }));
    await runEngine(adapter, items.slice(0, 20), () => { }, { concurrency: 1, timeoutMs: 60_000 }); // warm-up
    const recs = [];
    // The raw loop: same model file, same input ids, same number of session.run calls.
    const ort = await import('onnxruntime-node');
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const dir = join(MODELS_DIR, 'ref-strong');
    const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const text = tok.apply_chat_template([{ role: 'user', content: PROMPT }], { tokenize: false, add_generation_prompt: true });
    const ids = Array.from(tok.encode(text, { add_special_tokens: false }));
    const session = await ort.InferenceSession.create(join(dir, 'onnx/model.onnx'));
    const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    const F = meta.shape[3];
    const i64 = (xs) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
    async function rawGenerate() {
        let past = new ort.Tensor('float32', new Float32Array(0), [1, 1, 0, F]);
        let input = ids;
        let total = ids.length;
        let produced = 0;
        for (let step = 0; step < req.maxTokens; step++) {
            const out = await session.run({
                input_ids: i64(input),
                attention_mask: i64(new Array(total).fill(1)),
                'past_key_values.0.key': past,
                'past_key_values.0.value': past,
            });
            const logits = out.logits;
            const V = logits.dims[2];
            const data = logits.data;
            const row = data.subarray((logits.dims[1] - 1) * V);
            let best = 0;
            for (let j = 1; j < V; j++)
                if (row[j] > row[best])
                    best = j;
            if (best === 1)
                break;
            past = out['present.0.key'];
            produced++;
            input = [best];
            total++;
        }
        return produced;
    }
    for (let i = 0; i < 20; i++)
        await rawGenerate(); // warm-up
    const raw = [];
    for (let start = 0; start < calls; start += block) {
        await runEngine(adapter, items.slice(start, start + block), (r) => recs.push(r), { concurrency: 1, timeoutMs: 60_000 });
        for (let i = start; i < Math.min(calls, start + block); i++) {
            const t0 = performance.now();
            const produced = await rawGenerate();
            raw.push(performance.now() - t0);
            if (produced !== recs[0].usage.outputTokens)
                throw new Error(`raw loop produced ${produced} tokens, harness ${recs[0].usage.outputTokens}`);
        }
    }
    await adapter.close();
    await session.release();
    const ok = recs.filter((r) => r.status === 'ok');
    if (ok.length !== calls)
        throw new Error('harness calls failed');
    const harnessP50 = percentile(ok.map((r) => r.timing.latencyMs), 50);
    const rawP50 = percentile(raw, 50);
    return { harnessP50, rawP50, ratio: harnessP50 / rawP50, tokens: ok[0].usage.outputTokens };
}
