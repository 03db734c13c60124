import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../../core/errors.ts';
import type { Adapter, CallContext, ModelInfo, ModelRequest, Reply } from '../../core/types.ts';

/** Execution providers `--device` accepts. */
export const DEVICES = ['cpu', 'cuda', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];

/** Files of a model folder that the digest covers (every file, sorted by path). */
function modelFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** sha256 over (relative path, sha256 of content) of every file of a model folder. */
async function folderDigest(dir: string, files: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) h.update(`${relative(dir, f)}\0${createHash('sha256').update(await readFile(f)).digest('hex')}\n`);
  return h.digest('hex');
}

/**
 * A model folder in the Hugging Face / transformers.js layout (config.json, tokenizer.json,
 * onnx/model.onnx), run by @huggingface/transformers on onnxruntime-node. Loaded lazily so that
 * other commands never load the native runtime.
 */
export async function openOnnx(dirArg: string, opts: { device: Device; id?: string }): Promise<Adapter> {
  const dir = resolve(dirArg);
  for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
    if (!existsSync(join(dir, f))) throw new InputError(`not a model folder: ${f} is missing (expected the Hugging Face / transformers.js layout)`, { file: dirArg });
  }
  const files = modelFiles(dir);
  const digest = await folderDigest(dir, files);
  const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
  const t0 = performance.now();
  const tf = await import('@huggingface/transformers');
  tf.env.allowRemoteModels = false;
  let tokenizer: Awaited<ReturnType<typeof tf.AutoTokenizer.from_pretrained>>;
  let model: Awaited<ReturnType<typeof tf.AutoModelForCausalLM.from_pretrained>>;
  try {
    tokenizer = await tf.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    model = await tf.AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype: 'fp32', device: opts.device });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (opts.device === 'cuda' && /cuda|provider/i.test(msg)) {
      throw new InputError(
        `the CUDA execution provider is not installed (${msg.split('\n')[0]}). Install it with: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`,
      );
    }
    throw new InputError(`cannot load model: ${msg.split('\n')[0]}`, { file: dirArg });
  }
  const loadMs = performance.now() - t0;
  const hasTemplate = Boolean((tokenizer as unknown as { chat_template?: unknown }).chat_template);
  const eos = (model.generation_config as { eos_token_id?: number | number[] } | null)?.eos_token_id;

  const info: ModelInfo = {
    id: opts.id ?? basename(dir),
    spec: `onnx:${dirArg}`,
    kind: 'onnx',
    digest,
    device: opts.device,
    loadMs: Math.round(loadMs * 10) / 10,
    bytes,
    supportsLogprobs: true,
  };

  const promptIds = (prompt: string): number[] => {
    const text = hasTemplate
      ? (tokenizer.apply_chat_template([{ role: 'user', content: prompt }], { tokenize: false, add_generation_prompt: true }) as string)
      : prompt;
    return Array.from(tokenizer.encode(text, { add_special_tokens: !hasTemplate }));
  };
  const ids = (xs: number[]) => new tf.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);

  return {
    id: info.id,
    describe: () => info,
    async call(req: ModelRequest, _caseId: string, ctx: CallContext): Promise<Reply> {
      const input = promptIds(req.prompt);
      let first = true;
      const streamer = {
        put(_v: unknown) {
          if (first) first = false; // the prompt itself
          else ctx.firstToken();
        },
        end() {},
      };
      const out = (await model.generate({
        input_ids: ids(input),
        attention_mask: ids(input.map(() => 1)),
        max_new_tokens: req.maxTokens,
        do_sample: req.temperature > 0,
        temperature: req.temperature > 0 ? req.temperature : undefined,
        ...(eos !== undefined ? { eos_token_id: eos } : {}),
        streamer: streamer as never,
      } as never)) as { tolist(): (number | bigint)[][] };
      const seq = out.tolist()[0].map(Number);
      const gen = seq.slice(input.length);
      return {
        output: tokenizer.decode(gen, { skip_special_tokens: true }).trim(),
        usage: { inputTokens: input.length, outputTokens: gen.length },
      };
    },
    /** Sum of token log-probabilities (nats) of each continuation after the prompt. */
    async loglik(prompt: string, continuations: string[]) {
      const ctxIds = promptIds(prompt);
      const logprobs: number[] = [];
      const tokens: number[] = [];
      for (const cont of continuations) {
        const contIds = Array.from(tokenizer.encode(cont, { add_special_tokens: false }));
        const all = [...ctxIds, ...contIds];
        const res = (await model({ input_ids: ids(all), attention_mask: ids(all.map(() => 1)) })) as { logits: { data: Float32Array; dims: number[] } };
        const [, , V] = res.logits.dims;
        const data = res.logits.data;
        let sum = 0;
        for (let i = 0; i < contIds.length; i++) {
          const pos = ctxIds.length - 1 + i;
          const row = data.subarray(pos * V, (pos + 1) * V);
          let max = -Infinity;
          for (const x of row) if (x > max) max = x;
          let z = 0;
          for (const x of row) z += Math.exp(x - max);
          sum += row[contIds[i]] - max - Math.log(z);
        }
        logprobs.push(sum);
        tokens.push(contIds.length);
      }
      return { logprobs, tokens };
    },
    async close() {
      await model.dispose();
    },
  };
}
