/**
 * Decoding for the onnx adapter, run inside its worker thread (onnx-worker.ts): loading the
 * tokenizer and model with @huggingface/transformers on onnxruntime-node, greedy decoding straight on
 * the ORT session, sampling through transformers.js, and continuation log-likelihoods.
 */

type OrtTensor = { data: Float32Array; dims: number[] };
type OrtSession = {
  inputNames: readonly string[];
  inputMetadata?: readonly { name: string; type?: string; shape?: readonly (number | string)[]; isTensor?: boolean }[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
};

/** What a call reports while it decodes, and how it learns that it was aborted. */
export interface DecodeHooks {
  /** Called once, as soon as the first output token is known. */
  firstToken(): void;
  /** Streamed text; the pieces concatenate to a prefix of the final output. */
  onToken?: (delta: string) => void;
  /** True once the caller aborted; checked before every decoding step. */
  aborted(): boolean;
}

/** Thrown when a call stops because its caller aborted it. */
export class DecodeAborted extends Error {
  constructor() {
    super('aborted');
  }
}

/** A loaded model that decodes (one call at a time: the caller queues). */
export interface Decoder {
  /** Generated text (trimmed, special tokens skipped) and token counts. */
  generate(req: { prompt: string; temperature: number; maxTokens: number }, hooks: DecodeHooks): Promise<{ output: string; inputTokens: number; outputTokens: number }>;
  /** Sum of token log-probabilities (nats) and token count of each continuation after the prompt. */
  loglik(prompt: string, continuations: string[], aborted: () => boolean): Promise<{ logprobs: number[]; tokens: number[] }>;
  dispose(): Promise<void>;
}

/**
 * One decoding step straight on the model's onnxruntime session, for decoder exports whose inputs
 * are input_ids, attention_mask, optional position_ids / num_logits_to_keep, and past_key_values.*
 * (what optimum and transformers.js produce). Returns undefined for any other layout.
 */
async function directStep(model: { sessions?: Record<string, OrtSession> }) {
  const session = model.sessions?.model;
  if (!session || !session.inputMetadata) return undefined;
  const known = (n: string) => ['input_ids', 'attention_mask', 'position_ids', 'num_logits_to_keep'].includes(n) || n.startsWith('past_key_values.');
  if (!session.inputNames.every(known) || !session.inputNames.includes('input_ids')) return undefined;
  const ort = await import('onnxruntime-node');
  const i64 = (xs: number[], dims = [1, xs.length]) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), dims);
  const pastMeta = session.inputMetadata.filter((m) => m.name.startsWith('past_key_values.'));
  if (pastMeta.some((m) => !m.shape || (m.type !== 'float32' && m.type !== 'float16'))) return undefined;
  const emptyPast = () =>
    Object.fromEntries(
      pastMeta.map((m) => {
        const dims = m.shape!.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 0));
        return [m.name, new ort.Tensor(m.type as 'float32', m.type === 'float16' ? new Uint16Array(0) : new Float32Array(0), dims)];
      }),
    );
  const has = (n: string) => session.inputNames.includes(n);
  return async (ids: number[], mask: number[], past: Record<string, unknown> | undefined) => {
    const feeds: Record<string, unknown> = { input_ids: i64(ids), ...(past ?? emptyPast()) };
    if (has('attention_mask')) feeds.attention_mask = i64(mask);
    if (has('position_ids')) feeds.position_ids = i64(ids.map((_, i) => mask.length - ids.length + i));
    if (has('num_logits_to_keep')) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.from([1n]), []);
    return session.run(feeds);
  };
}

/**
 * Loads a model folder in the Hugging Face / transformers.js layout (fp32, local files only) on the
 * given execution provider. transformers.js creates the session with exactly that one provider (no
 * fallback list), so a provider that cannot be used fails here, with the runtime's message.
 */
export async function loadDecoder(dir: string, device: string): Promise<Decoder> {
  const tf = await import('@huggingface/transformers');
  tf.env.allowRemoteModels = false;
  const tokenizer = await tf.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const model = await tf.AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype: 'fp32', device: device as 'cpu' });
  const hasTemplate = Boolean((tokenizer as unknown as { chat_template?: unknown }).chat_template);
  const eos = (model.generation_config as { eos_token_id?: number | number[] } | null)?.eos_token_id;

  const promptIds = (prompt: string): number[] => {
    const text = hasTemplate
      ? (tokenizer.apply_chat_template([{ role: 'user', content: prompt }], { tokenize: false, add_generation_prompt: true }) as string)
      : prompt;
    return Array.from(tokenizer.encode(text, { add_special_tokens: !hasTemplate }));
  };
  const ids = (xs: number[]) => new tf.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
  const eosIds = new Set([eos ?? (model.config as { eos_token_id?: number | number[] }).eos_token_id].flat().filter((x): x is number => typeof x === 'number'));
  type Outputs = Record<string, { data: Float32Array; dims: number[] }>;
  const step = await directStep(model as unknown as { sessions?: Record<string, OrtSession> });

  /**
   * Greedy decoding (temperature 0): pure argmax over the logits, no repetition penalty or other
   * processors from generation_config.json, so results are reproducible. A minimal loop (prefill,
   * then one token at a time with the KV cache) straight on the onnxruntime session when its inputs
   * are the usual decoder ones, else through the model's forward. It ends at an EOS id, after
   * maxTokens, or (throwing DecodeAborted) at the first step after the caller aborted.
   */
  async function greedy(input: number[], maxTokens: number, hooks: DecodeHooks): Promise<number[]> {
    const out: number[] = [];
    let emitted = '';
    const mask = input.map(() => 1);
    let feedIds = input;
    let past: Record<string, unknown> | undefined;
    for (let i = 0; i < maxTokens; i++) {
      if (hooks.aborted()) throw new DecodeAborted();
      const res = step
        ? await step(feedIds, mask, past)
        : ((await model.forward({ input_ids: ids(feedIds), attention_mask: ids(mask), ...(past ? { past_key_values: past } : {}) })) as Outputs);
      const logits = res.logits;
      const V = logits.dims[logits.dims.length - 1];
      const row = logits.data.subarray(logits.data.length - V);
      let best = 0;
      for (let j = 1; j < V; j++) if (row[j] > row[best]) best = j;
      if (i === 0) hooks.firstToken();
      if (eosIds.has(best)) break;
      out.push(best);
      if (hooks.onToken) emitted = streamText(out, emitted, hooks.onToken);
      past = {};
      for (const [name, t] of Object.entries(res)) if (name.startsWith('present')) past[name.replace('present', 'past_key_values')] = t;
      feedIds = [best];
      mask.push(1);
    }
    return out;
  }

  /**
   * Streaming for `onToken`: decodes the tokens so far and hands on the new text. Leading and
   * trailing whitespace and an incomplete UTF-8 sequence (U+FFFD at the end) are held back, so the
   * pieces always concatenate to a prefix of the final, trimmed output. Returns the text emitted so far.
   */
  function streamText(out: number[], emitted: string, onToken: (delta: string) => void): string {
    const text = tokenizer.decode(out, { skip_special_tokens: true }).trim();
    if (text.endsWith('\uFFFD') || text.length <= emitted.length || !text.startsWith(emitted)) return emitted;
    onToken(text.slice(emitted.length));
    return text;
  }

  /** Stops transformers.js generate once the caller aborted (checked after every token). */
  class AbortCriteria extends tf.StoppingCriteria {
    constructor(private readonly aborted: () => boolean) {
      super();
    }
    override _call(inputIds: number[][]): boolean[] {
      return inputIds.map(() => this.aborted());
    }
  }

  /** Sampling (temperature > 0) through transformers.js generate. */
  async function sample(input: number[], req: { temperature: number; maxTokens: number }, hooks: DecodeHooks): Promise<number[]> {
    let first = true;
    const streamer = {
      put() {
        if (first) first = false; // the prompt itself
        else hooks.firstToken();
      },
      end() {},
    };
    if (hooks.aborted()) throw new DecodeAborted();
    const out = (await model.generate({
      input_ids: ids(input),
      attention_mask: ids(input.map(() => 1)),
      max_new_tokens: req.maxTokens,
      do_sample: true,
      temperature: req.temperature,
      streamer: streamer as never,
      stopping_criteria: [new AbortCriteria(hooks.aborted)],
    } as never)) as { tolist(): (number | bigint)[][] };
    if (hooks.aborted()) throw new DecodeAborted();
    return out.tolist()[0].map(Number).slice(input.length);
  }

  return {
    async generate(req, hooks) {
      const input = promptIds(req.prompt);
      const gen = req.temperature > 0 ? await sample(input, req, hooks) : await greedy(input, req.maxTokens, hooks);
      return {
        output: gen.length ? tokenizer.decode(gen, { skip_special_tokens: true }).trim() : '',
        inputTokens: input.length,
        outputTokens: gen.length,
      };
    },
    async loglik(prompt, continuations, aborted) {
      const ctxIds = promptIds(prompt);
      const logprobs: number[] = [];
      const tokens: number[] = [];
      for (const cont of continuations) {
        if (aborted()) throw new DecodeAborted();
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
    async dispose() {
      await model.dispose();
    },
  };
}
