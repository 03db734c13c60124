import { createHash } from 'node:crypto';
import { InputError } from '../../core/errors.ts';
import type { Adapter, CallContext, ModelInfo, ModelRequest, Reply, Usage } from '../../core/types.ts';

/** Options of an `openai:<base-url>` model. */
export interface OpenAIOptions {
  /** The server-side model; default the first of GET /models. */
  modelName?: string;
  /** The API key (read from the environment by the CLI; never written anywhere). */
  apiKey?: string;
  /** Name of the variable the key came from, for messages. */
  apiKeyEnv?: string;
  /** At most this many attempts per call (default 4). */
  maxAttempts?: number;
  /** First backoff (ms, default 500) and cap (ms, default 8000). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Timeout of the model listing at open (ms, default 15000). */
  openTimeoutMs?: number;
}

/**
 * Token count when the server reports none: each CJK character (and other wide script character)
 * counts as one token, each run of other non-space characters as one.
 */
export function countTokens(text: string): number {
  const cjk = /[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF\u{20000}-\u{2FA1F}]/gu;
  const n = (text.match(cjk) ?? []).length;
  const rest = text.replace(cjk, ' ').split(/\s+/).filter(Boolean).length;
  return n + rest;
}

/** A retryable failure (connection error, 408, 429, 5xx), with the server's Retry-After if any. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Retry-After as delay in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** Sleeps `ms`, or rejects when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The cause of a fetch failure in words (undici wraps it in `TypeError: fetch failed`). */
function netCause(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } })?.cause;
  return c?.code ?? c?.message ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Any OpenAI-compatible server (vLLM, TGI, Ollama, llama.cpp server, hosted APIs, `modelgrade serve`).
 * Calls stream (SSE); the first content chunk is signalled to the engine, which takes the times.
 * Retries connection errors, 408, 429 and 5xx with capped, jittered exponential backoff honouring
 * Retry-After, at most 4 attempts; other 4xx fail at once. The key goes only into the
 * Authorization header: it is scrubbed from every message and never part of ModelInfo.
 */
export async function openOpenAI(baseUrl: string, opts: OpenAIOptions = {}): Promise<Adapter> {
  const base = baseUrl.replace(/\/+$/, '');
  const maxAttempts = opts.maxAttempts ?? 4;
  const baseMs = opts.backoffBaseMs ?? 500;
  const capMs = opts.backoffCapMs ?? 8000;
  const key = opts.apiKey;
  const scrub = (s: string) => (key ? s.split(key).join('***') : s);
  const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
    accept: 'application/json',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
    ...extra,
  });
  const authHint = opts.apiKeyEnv ? `; check the key in $${opts.apiKeyEnv}` : key ? '' : '; the server may need a key (--api-key-env <VAR>)';

  /** Throws the right error for a non-2xx response. */
  async function fail(res: Response, what: string): Promise<never> {
    let detail = '';
    try {
      const text = await res.text();
      try {
        const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
        detail = String((typeof j.error === 'object' ? j.error?.message : j.error) ?? j.message ?? text);
      } catch {
        detail = text;
      }
    } catch {
      // body unreadable
    }
    detail = scrub(detail.replace(/\s+/g, ' ').trim().slice(0, 300));
    const msg = `${what}: HTTP ${res.status}${detail ? ` (${detail})` : ''}`;
    if (res.status === 401) throw new Error(`${what}: authentication failed (HTTP 401)${authHint}`);
    if (res.status === 408 || res.status === 429 || res.status >= 500) throw new Retryable(msg, parseRetryAfter(res.headers.get('retry-after')));
    throw new Error(msg);
  }

  /** Runs `once` up to maxAttempts times; returns its value and the attempts taken. */
  async function withRetries<T>(what: string, signal: AbortSignal | undefined, once: () => Promise<T>): Promise<{ value: T; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { value: await once(), attempts: attempt };
      } catch (e) {
        if (signal?.aborted) throw e;
        const retryable = e instanceof Retryable || (e instanceof TypeError && /fetch failed/i.test(e.message));
        const message = scrub(e instanceof Retryable ? e.message : e instanceof TypeError ? `${what}: cannot connect (${netCause(e)})` : (e as Error).message);
        if (!retryable) throw new Error(message);
        if (attempt >= maxAttempts) throw new Error(`${message}; gave up after ${attempt} attempts`);
        const backoff = Math.min(capMs, baseMs * 2 ** (attempt - 1));
        const jittered = backoff / 2 + Math.random() * (backoff / 2);
        const ra = e instanceof Retryable ? e.retryAfterMs : undefined;
        await sleep(ra !== undefined ? Math.min(ra, 60_000) : jittered, signal);
      }
    }
  }

  // The model list: which model, and its entry (digested into ModelInfo).
  const t0 = performance.now();
  let entries: Record<string, unknown>[];
  try {
    const signal = AbortSignal.timeout(opts.openTimeoutMs ?? 15_000);
    const { value } = await withRetries(`GET ${base}/models`, signal, async () => {
      const res = await fetch(`${base}/models`, { headers: headers(), signal });
      if (!res.ok) await fail(res, `GET ${base}/models`);
      return (await res.json()) as { data?: unknown };
    });
    entries = Array.isArray(value.data) ? (value.data as Record<string, unknown>[]).filter((x) => x && typeof x === 'object') : [];
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    throw new InputError(scrub(/timeout|aborted/i.test(m) ? `GET ${base}/models: no answer within ${opts.openTimeoutMs ?? 15_000} ms` : m), { field: '--model' });
  }
  let entry: Record<string, unknown> | undefined;
  if (opts.modelName) {
    entry = entries.find((x) => x.id === opts.modelName);
    if (!entry) {
      if (entries.length > 0) throw new InputError(`the server has no model "${opts.modelName}"; it lists: ${entries.map((x) => String(x.id)).join(', ')}`, { field: '--model-name' });
      entry = { id: opts.modelName }; // servers that list nothing still serve the named model
    }
  } else {
    entry = entries[0];
    if (!entry || typeof entry.id !== 'string') throw new InputError(`GET ${base}/models lists no model; name one with --model-name`, { field: '--model' });
  }
  const modelName = String(entry.id);
  const info: ModelInfo = {
    id: modelName,
    spec: `openai:${base}`,
    kind: 'openai',
    digest: createHash('sha256').update(JSON.stringify(entry)).digest('hex'),
    loadMs: Math.round((performance.now() - t0) * 10) / 10,
    supportsLogprobs: false,
  };

  /** One attempt: POST, then read the SSE stream (or a plain JSON reply). */
  async function once(req: ModelRequest, ctx: CallContext): Promise<{ output: string; usage?: Usage }> {
    const url = `${base}/chat/completions`;
    const res = await fetch(url, {
      method: 'POST',
      headers: headers({ 'content-type': 'application/json', accept: 'text/event-stream, application/json' }),
      body: JSON.stringify({
        model: modelName,
        messages: [{ role: 'user', content: req.prompt }],
        temperature: req.temperature,
        max_tokens: req.maxTokens,
        seed: req.seed,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: ctx.signal,
    });
    if (!res.ok) await fail(res, `POST ${url}`);
    const toUsage = (u: unknown): Usage | undefined => {
      const x = u as { prompt_tokens?: unknown; completion_tokens?: unknown } | undefined;
      return x && typeof x.prompt_tokens === 'number' && typeof x.completion_tokens === 'number'
        ? { inputTokens: x.prompt_tokens, outputTokens: x.completion_tokens }
        : undefined;
    };
    if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const j = (await res.json()) as { choices?: { message?: { content?: unknown } }[]; usage?: unknown };
      const content = j.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new Error(`POST ${url}: the reply has no choices[0].message.content`);
      ctx.firstToken();
      return { output: content, usage: toUsage(j.usage) };
    }
    let output = '';
    let usage: Usage | undefined;
    let buf = '';
    let done = false;
    const dec = new TextDecoder();
    const event = (block: string) => {
      const data = block
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (!data) return;
      if (data.trim() === '[DONE]') {
        done = true;
        return;
      }
      let j: { choices?: { delta?: { content?: unknown } }[]; usage?: unknown; error?: { message?: unknown } };
      try {
        j = JSON.parse(data);
      } catch {
        throw new Error(`POST ${url}: unreadable stream chunk`);
      }
      if (j.error) throw new Error(`POST ${url}: the server reported an error in the stream (${scrub(String(j.error.message ?? ''))})`);
      const c = j.choices?.[0]?.delta?.content;
      if (typeof c === 'string' && c.length > 0) {
        if (output === '') ctx.firstToken();
        output += c;
      }
      usage = toUsage(j.usage) ?? usage;
    };
    if (!res.body) throw new Error(`POST ${url}: empty body`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
        const m = /\r?\n\r?\n/.exec(buf.slice(i))!;
        event(buf.slice(0, i));
        buf = buf.slice(i + m[0].length);
        if (done) break;
      }
      if (done) break;
    }
    if (!done && buf.trim()) event(buf);
    return { output, usage };
  }

  return {
    id: info.id,
    describe: () => info,
    async call(req: ModelRequest, _caseId: string, ctx: CallContext): Promise<Reply> {
      const { value, attempts } = await withRetries(`POST ${base}/chat/completions`, ctx.signal, () => once(req, ctx));
      const usage = value.usage ?? { inputTokens: countTokens(req.prompt), outputTokens: countTokens(value.output), counted: true };
      return { output: value.output.trim(), usage, attempts };
    },
    async close() {},
  };
}
