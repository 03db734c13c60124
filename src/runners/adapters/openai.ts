import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
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
  return c?.code ?? c?.message ?? (e as { code?: string })?.code ?? (e instanceof Error ? e.message : String(e));
}

const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** A node:http(s) connection failure (refused, reset, unreachable, DNS). */
function isNetError(e: unknown): boolean {
  return e instanceof Error && NET_CODES.has(String((e as { code?: unknown }).code));
}

/**
 * Any OpenAI-compatible server (vLLM, TGI, Ollama, llama.cpp server, hosted APIs, `modelgrade serve`).
 * Calls stream (SSE); the first content chunk is signalled to the engine, which takes the times.
 * Retries connection errors (also a connection broken mid-reply), 408, 429, 5xx, a reply that is
 * not valid JSON and a stream cut before `[DONE]` (and before any finish_reason), with capped,
 * jittered exponential backoff honouring Retry-After, at most 4 attempts: a cut stream is never
 * returned as a short answer. Other 4xx fail at once. The key goes only into the
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
        const net = (e instanceof TypeError && /fetch failed/i.test(e.message)) || isNetError(e);
        const retryable = e instanceof Retryable || net;
        const message = scrub(e instanceof Retryable ? e.message : net ? `${what}: cannot connect (${netCause(e)})` : (e as Error).message);
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

  // Calls go over node:http(s) on one keep-alive agent (fetch and its web streams cost several
  // times more per request); the model listing above stays on fetch.
  const chatUrl = new URL(`${base}/chat/completions`);
  const url = chatUrl.href;
  const secure = chatUrl.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const request = secure ? https.request : http.request;
  const chatHeaders = headers({ 'content-type': 'application/json', accept: 'text/event-stream, application/json' });
  const target = { protocol: chatUrl.protocol, hostname: chatUrl.hostname.replace(/^\[|\]$/g, ''), port: chatUrl.port || (secure ? 443 : 80), path: chatUrl.pathname + chatUrl.search };
  const toUsage = (u: unknown): Usage | undefined => {
    const x = u as { prompt_tokens?: unknown; completion_tokens?: unknown } | undefined;
    return x && typeof x.prompt_tokens === 'number' && typeof x.completion_tokens === 'number' ? { inputTokens: x.prompt_tokens, outputTokens: x.completion_tokens } : undefined;
  };

  /** POSTs the body; resolves with the response once its headers are in. */
  function post(body: string, signal: AbortSignal): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request({ ...target, method: 'POST', agent, headers: { ...chatHeaders, 'content-length': Buffer.byteLength(body) }, signal }, resolve);
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * Reads a response body as text, handing each piece to `feed` (which returns true once it has
   * all it needs). Resolves at the end of the body, so the connection is back in the pool before
   * the next call asks for one; a server that keeps the body open after `feed` is done is cut off
   * after 1 s. A connection that closes before the end rejects.
   */
  function consume(res: http.IncomingMessage, feed: (s: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let linger: NodeJS.Timeout | undefined;
      const settle = (e?: unknown) => {
        if (settled) return;
        settled = true;
        if (e === undefined) resolve();
        else reject(e);
      };
      res.setEncoding('utf8');
      res.on('data', (s: string) => {
        if (settled) return;
        try {
          if (feed(s) && !linger) {
            linger = setTimeout(() => {
              settle();
              res.destroy();
            }, 1000);
            linger.unref();
          }
        } catch (e) {
          settle(e);
          res.destroy();
        }
      });
      res.on('end', () => {
        if (linger) clearTimeout(linger);
        settle();
      });
      // After `feed` is done, a connection error only loses the tail the answer does not need.
      res.on('error', (e) => settle(linger ? undefined : e));
      res.on('close', () => settle(linger ? (clearTimeout(linger), undefined) : Object.assign(new Error('the connection closed before the end of the reply'), { code: 'ECONNRESET' })));
    });
  }

  /** One attempt: POST, then read the SSE stream (or a plain JSON reply). */
  async function once(req: ModelRequest, ctx: CallContext): Promise<{ output: string; usage?: Usage }> {
    const res = await post(
      JSON.stringify({
        model: modelName,
        messages: [{ role: 'user', content: req.prompt }],
        temperature: req.temperature,
        max_tokens: req.maxTokens,
        seed: req.seed,
        stream: true,
        stream_options: { include_usage: true },
      }),
      ctx.signal,
    );
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) {
      let text = '';
      await consume(res, (s) => ((text += s), false)).catch(() => undefined);
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, x);
      await fail(new Response([101, 204, 205, 304].includes(status) ? null : text, { status: status >= 200 && status <= 599 ? status : 500, headers: h }), `POST ${url}`);
    }
    // A body cut or garbled in transit (a connection reset, a proxy fault) is retried; the signal
    // aborting (the harness timeout, an interrupt) is not: withRetries rethrows it as it is.
    const broken = (e: unknown): never => {
      if (ctx.signal.aborted) throw e;
      throw new Retryable(`POST ${url}: the connection broke mid-reply (${netCause(e)})`);
    };
    if (!(res.headers['content-type'] ?? '').includes('text/event-stream')) {
      let text = '';
      await consume(res, (s) => ((text += s), false)).catch(broken);
      let j: { choices?: { message?: { content?: unknown } }[]; usage?: unknown };
      try {
        j = JSON.parse(text);
      } catch (e) {
        throw new Retryable(`POST ${url}: the reply is not valid JSON (${(e as Error).message})`);
      }
      const content = j.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new Error(`POST ${url}: the reply has no choices[0].message.content`);
      ctx.firstToken();
      return { output: content, usage: toUsage(j.usage) };
    }
    let output = '';
    let usage: Usage | undefined;
    let buf = '';
    let done = false;
    let finished = false;
    const event = (block: string) => {
      // Most servers send one `data: ` line per event; other shapes take the general path.
      const data =
        block.startsWith('data: ') && !block.includes('\n')
          ? block.slice(6)
          : block
              .split(/\r?\n/)
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).replace(/^ /, ''))
              .join('\n');
      if (!data) return;
      if (data === '[DONE]' || data.trim() === '[DONE]') {
        done = true;
        return;
      }
      let j: { choices?: { delta?: { content?: unknown }; finish_reason?: unknown }[]; usage?: unknown; error?: { message?: unknown } };
      try {
        j = JSON.parse(data);
      } catch {
        throw new Retryable(`POST ${url}: unreadable stream chunk (not JSON)`);
      }
      if (j.error) throw new Error(`POST ${url}: the server reported an error in the stream (${scrub(String(j.error.message ?? ''))})`);
      const choice = j.choices?.[0];
      const c = choice?.delta?.content;
      if (typeof c === 'string' && c.length > 0) {
        if (output === '') ctx.firstToken();
        // Pieces for ITL and re-streaming: leading space dropped as the final output is trimmed; a
        // call retried after its stream began sends its pieces again (the reply is the last attempt's).
        const piece = output === '' ? c.trimStart() : c;
        output += c;
        if (piece && ctx.onToken) ctx.onToken(piece);
      }
      if (j.usage) usage = toUsage(j.usage) ?? usage;
      if (typeof choice?.finish_reason === 'string') finished = true;
    };
    const feed = (s: string): boolean => {
      buf += s;
      let at = 0;
      for (;;) {
        let i: number;
        let sep = 2;
        if (buf.includes('\r', at)) {
          const m = /\r?\n\r?\n/g;
          m.lastIndex = at;
          const hit = m.exec(buf);
          i = hit ? hit.index : -1;
          sep = hit ? hit[0].length : 0;
        } else i = buf.indexOf('\n\n', at);
        if (i < 0) break;
        event(buf.slice(at, i));
        at = i + sep;
        if (done) break;
      }
      buf = at === 0 ? buf : buf.slice(at);
      return done;
    };
    try {
      await consume(res, feed);
    } catch (e) {
      if (e instanceof Retryable || !(e as { code?: unknown }).code) throw e;
      broken(e);
    }
    if (!done && buf.trim()) event(buf);
    // A stream that ends with neither [DONE] nor a finish_reason was cut: its text is not the answer.
    if (!done && !finished) throw new Retryable(`POST ${url}: the stream ended before [DONE] (truncated reply)`);
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
    async close() {
      agent.destroy();
    },
  };
}
