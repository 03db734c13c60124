import type { Measurement } from '../core/types.ts';
import { parseRetryAfter } from './adapters/openai.ts';

/** State of one conformance check: `skipped` when it does not apply (e.g. no /health, no 429 seen). */
export type CheckState = 'passed' | 'failed' | 'skipped';

/** One named check of an OpenAI-compatible endpoint. */
export interface ConformanceCheck {
  /** Stable id, e.g. `stream`, `error-unknown-model`. */
  id: string;
  state: CheckState;
  /** What was seen, in words (never the API key). */
  detail: string;
  /** Raw counts behind the verdict, e.g. `{ responses_429: 12, with_retry_after: 12 }`. */
  figures?: Record<string, number>;
}

/** The outcome of {@link checkEndpoint}: the checks, or why the endpoint could not be checked at all. */
export type ConformanceResult =
  | {
      state: 'checked';
      /** Base URL of the API, e.g. `http://127.0.0.1:8000/v1`. */
      baseUrl: string;
      /** The model the chat checks asked for (null when none could be chosen). */
      model: string | null;
      checks: ConformanceCheck[];
      counts: { passed: number; failed: number; skipped: number };
    }
  | { state: 'unreachable'; baseUrl: string; message: string };

/** Options of {@link checkEndpoint}. */
export interface CheckOptions {
  /** The server-side model; default the first of GET /models. */
  modelName?: string;
  /** Sent only as `Authorization: Bearer`; scrubbed from every detail. */
  apiKey?: string;
  /** Limit per HTTP request (ms). */
  timeoutMs: number;
  /** Concurrent requests of the rate-limit burst (default 64). */
  burst?: number;
}

/** Ids of the checks, in the order they run; `health` and `rate-limit` have catalogue items of their own. */
export const CHECK_IDS = ['models', 'chat-schema', 'usage', 'stream', 'error-unknown-model', 'error-malformed', 'determinism', 'health', 'rate-limit'] as const;
const OWN_ITEM = new Set(['health', 'rate-limit']);

type Got = { status: number; headers: Headers; text: string; ms: number };
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const FINISH = new Set(['stop', 'length', 'content_filter', 'tool_calls', 'function_call']);

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Problem with an error body (`{error:{message,type}}` as JSON), or '' when it conforms. */
function errorBodyProblem(g: Got): string {
  if (!/application\/json/i.test(g.headers.get('content-type') ?? '')) return `content-type is "${g.headers.get('content-type') ?? 'absent'}", not application/json`;
  const j = json(g.text);
  if (!isObj(j) || !isObj(j.error)) return 'the body is not a JSON {error:{...}} object';
  if (typeof j.error.message !== 'string') return 'error.message is not a string';
  if (typeof j.error.type !== 'string') return 'error.type is not a string';
  return '';
}

/** Problem with a non-streaming chat completion, or ''. */
function chatProblem(j: unknown): string {
  if (!isObj(j)) return 'the body is not a JSON object';
  if (typeof j.id !== 'string' || !j.id) return 'id is not a non-empty string';
  if (j.object !== 'chat.completion') return `object is ${JSON.stringify(j.object)}, not "chat.completion"`;
  const c = Array.isArray(j.choices) ? j.choices[0] : undefined;
  if (!isObj(c)) return 'choices[0] is missing';
  if (!isObj(c.message) || typeof c.message.content !== 'string') return 'choices[0].message.content is not a string';
  if (typeof c.finish_reason !== 'string' || !FINISH.has(c.finish_reason)) return `choices[0].finish_reason is ${JSON.stringify(c.finish_reason)}`;
  return '';
}

/** Problem with `usage`, or ''. */
function usageProblem(u: unknown): string {
  if (!isObj(u)) return 'usage is missing';
  for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens']) if (!isCount(u[k])) return `usage.${k} is ${JSON.stringify(u[k])}, not a non-negative integer`;
  if (u.total_tokens !== (u.prompt_tokens as number) + (u.completion_tokens as number)) return `usage.total_tokens ${u.total_tokens} ≠ prompt ${u.prompt_tokens} + completion ${u.completion_tokens}`;
  return '';
}

/** Checks an SSE body: returns [problem or '', concatenated content, chunk count]. */
function streamProblem(g: Got): [string, string, number] {
  const ct = g.headers.get('content-type') ?? '';
  if (!/text\/event-stream/i.test(ct)) return [`content-type is "${ct || 'absent'}", not text/event-stream`, '', 0];
  const datas: string[] = [];
  for (const block of g.text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/).filter((l) => l.startsWith('data:'));
    if (lines.length) datas.push(lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n'));
  }
  let text = '';
  let n = 0;
  for (let i = 0; i < datas.length; i++) {
    const d = datas[i];
    if (d.trim() === '[DONE]') {
      if (i !== datas.length - 1) return ['data: [DONE] is not the last event', text, n];
      if (n === 0) return ['no chunk before data: [DONE]', text, n];
      return ['', text, n];
    }
    const j = json(d);
    if (!isObj(j) || j.object !== 'chat.completion.chunk' || !Array.isArray(j.choices)) return [`event ${i + 1} is not a chat.completion.chunk: ${d.slice(0, 80)}`, text, n];
    n++;
    const c = j.choices[0];
    if (isObj(c) && isObj(c.delta) && typeof c.delta.content === 'string') text += c.delta.content;
  }
  return [`the stream does not end with data: [DONE] (${n} chunks)`, text, n];
}

/**
 * Checks an OpenAI-compatible endpoint (base URL ending in `/v1` or the like): the model list, the
 * chat completion schema, usage, SSE streaming, JSON error bodies, /health, Retry-After on 429 (a
 * burst of concurrent requests) and greedy determinism. Requests are short (max 8 tokens, greedy).
 * `unreachable` when GET /models cannot connect or answers nothing within the timeout.
 */
export async function checkEndpoint(baseUrl: string, opts: CheckOptions): Promise<ConformanceResult> {
  const base = baseUrl.replace(/\/+$/, '');
  const root = base.replace(/\/v\d+$/, '');
  const key = opts.apiKey;
  const scrub = (s: string) => (key ? s.split(key).join('***') : s);
  const auth: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};

  async function send(method: 'GET' | 'POST', url: string, body?: string): Promise<Got> {
    const t0 = performance.now();
    const res = await fetch(url, {
      method,
      headers: { ...auth, accept: 'application/json, text/event-stream', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, ms: performance.now() - t0 };
  }
  const why = (e: unknown) => {
    const c = (e as { cause?: { code?: string; message?: string } })?.cause;
    const m = e instanceof Error ? e.message : String(e);
    return scrub(/timeout|aborted/i.test(m) ? `no answer within ${opts.timeoutMs} ms` : (c?.code ?? c?.message ?? m));
  };

  const checks: ConformanceCheck[] = [];
  const add = (id: string, state: CheckState, detail: string, figures?: Record<string, number>) =>
    checks.push({ id, state, detail: scrub(detail), ...(figures ? { figures } : {}) });

  // 1. The model list (and whether the endpoint answers at all).
  let model: string | null = opts.modelName ?? null;
  let models: Got;
  try {
    models = await send('GET', `${base}/models`);
  } catch (e) {
    return { state: 'unreachable', baseUrl: base, message: `GET ${base}/models: ${why(e)}` };
  }
  {
    const j = json(models.text);
    const ids = isObj(j) && Array.isArray(j.data) ? j.data.filter(isObj).map((x) => x.id) : undefined;
    if (models.status !== 200) add('models', 'failed', `GET /models answered HTTP ${models.status}`);
    else if (!ids || ids.some((x) => typeof x !== 'string')) add('models', 'failed', 'the body is not {data:[{id}, ...]}');
    else if (ids.length === 0) add('models', 'failed', 'the list is empty');
    else if (opts.modelName && !ids.includes(opts.modelName)) add('models', 'failed', `"${opts.modelName}" is not listed (${ids.slice(0, 5).join(', ')})`);
    else {
      model ??= ids[0] as string;
      add('models', 'passed', `${ids.length} model(s) listed, using "${model}"`);
    }
  }

  const body = (extra: Record<string, unknown> = {}, m: string | null = model) =>
    JSON.stringify({ ...(m !== null ? { model: m } : {}), messages: [{ role: 'user', content: 'The capital of France is' }], temperature: 0, seed: 1, max_tokens: 8, ...extra });
  const chatUrl = `${base}/chat/completions`;
  const post = (b: string) => send('POST', chatUrl, b);

  // 2, 3. Non-streaming schema and usage.
  let plain: string | undefined;
  try {
    const g = await post(body());
    const j = json(g.text);
    const p = g.status !== 200 ? `HTTP ${g.status}` : chatProblem(j);
    if (p) {
      add('chat-schema', 'failed', p);
      add('usage', 'failed', 'no valid completion to read usage from');
    } else {
      const o = j as { choices: { message: { content: string }; finish_reason: string }[]; usage?: Record<string, number> };
      plain = o.choices[0].message.content;
      add('chat-schema', 'passed', `content ${plain.length} chars, finish_reason ${o.choices[0].finish_reason}`);
      const u = usageProblem(o.usage);
      add('usage', u ? 'failed' : 'passed', u || `prompt ${o.usage!.prompt_tokens} + completion ${o.usage!.completion_tokens} = ${o.usage!.total_tokens} tokens`);
    }
  } catch (e) {
    add('chat-schema', 'failed', why(e));
    add('usage', 'failed', why(e));
  }

  // 4. Streaming.
  try {
    const g = await post(body({ stream: true }));
    if (g.status !== 200) add('stream', 'failed', `HTTP ${g.status}`);
    else {
      const [p, text, n] = streamProblem(g);
      const same = plain === undefined ? '' : text === plain ? '; text equals the non-streaming answer' : '; text differs from the non-streaming answer';
      add('stream', p ? 'failed' : 'passed', p || `${n} chunks then data: [DONE]${same}`);
    }
  } catch (e) {
    add('stream', 'failed', why(e));
  }

  // 5, 6. Error bodies: an unknown model, a malformed body.
  try {
    const g = await post(body({}, `modelgrade-no-such-model-${process.pid}`));
    const p = g.status < 400 || g.status > 499 ? `HTTP ${g.status}, not 4xx` : errorBodyProblem(g);
    add('error-unknown-model', p ? 'failed' : 'passed', p || `HTTP ${g.status} with a JSON error body`);
  } catch (e) {
    add('error-unknown-model', 'failed', why(e));
  }
  try {
    const g = await post('{"messages": [ {"role": "user", "content": "x"');
    const p = g.status !== 400 ? `HTTP ${g.status}, not 400` : errorBodyProblem(g);
    add('error-malformed', p ? 'failed' : 'passed', p || 'HTTP 400 with a JSON error body');
  } catch (e) {
    add('error-malformed', 'failed', why(e));
  }

  // 7. Determinism: two identical greedy requests.
  try {
    const outs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const g = await post(body());
      const j = json(g.text);
      if (g.status !== 200 || chatProblem(j)) throw new Error(`HTTP ${g.status}: no valid completion`);
      outs.push((j as { choices: { message: { content: string } }[] }).choices[0].message.content);
    }
    add('determinism', outs[0] === outs[1] ? 'passed' : 'failed', outs[0] === outs[1] ? 'two greedy requests gave the same text' : 'two identical greedy requests gave different texts');
  } catch (e) {
    add('determinism', 'failed', e instanceof Error && e.message.startsWith('HTTP') ? e.message : why(e));
  }

  // 8. Health: GET <root>/health (or <base>/health); 404 on both: not offered.
  try {
    let g = await send('GET', `${root}/health`);
    if (g.status === 404 && root !== base) g = await send('GET', `${base}/health`);
    if (g.status === 404) add('health', 'skipped', 'no /health endpoint (HTTP 404)');
    else add('health', g.status === 200 ? 'passed' : 'failed', `HTTP ${g.status} in ${g.ms.toFixed(1)} ms`);
  } catch (e) {
    add('health', 'failed', why(e));
  }

  // 9. Rate limiting: a burst; every 429 must say when to come back.
  const n = opts.burst ?? 64;
  const statuses = await Promise.all(
    Array.from({ length: n }, () =>
      post(body()).then(
        (g) => ({ status: g.status, retry: parseRetryAfter(g.headers.get('retry-after')) }),
        () => ({ status: 0, retry: undefined }),
      ),
    ),
  );
  const limited = statuses.filter((s) => s.status === 429);
  const withRetry = limited.filter((s) => s.retry !== undefined).length;
  const ok = statuses.filter((s) => s.status === 200).length;
  const figures = { burst: n, responses_200: ok, responses_429: limited.length, with_retry_after: withRetry };
  if (limited.length === 0) add('rate-limit', 'skipped', `not observed: ${n} concurrent requests, ${ok} answered 200, none 429`, figures);
  else add('rate-limit', withRetry === limited.length ? 'passed' : 'failed', `${limited.length} of ${n} concurrent requests answered 429, ${withRetry} with a valid Retry-After`, figures);

  const count = (s: CheckState) => checks.filter((c) => c.state === s).length;
  const result: ConformanceResult = { state: 'checked', baseUrl: base, model, checks, counts: { passed: count('passed'), failed: count('failed'), skipped: count('skipped') } };
  return result;
}

/**
 * The run-level measurements of a conformance result (pure): application.maturity.api-conformance
 * (share of applicable API checks passed; health and rate limiting have their own items),
 * application.management.health (1 or 0) and application.management.rate-limit (share of 429
 * answers with a valid Retry-After). A skipped check gives no row; an unreachable endpoint none.
 */
export function conformanceMeasurements(result: ConformanceResult): Measurement[] {
  if (result.state !== 'checked') return [];
  const rows: Measurement[] = [];
  const api = result.checks.filter((c) => !OWN_ITEM.has(c.id) && c.state !== 'skipped');
  if (api.length > 0) {
    const passed = api.filter((c) => c.state === 'passed');
    const failed = api.filter((c) => c.state === 'failed').map((c) => c.id);
    rows.push({
      indicator: 'application.maturity.api-conformance',
      id: 'conformance:api',
      value: passed.length / api.length,
      pass: failed.length === 0,
      reason: `${passed.length} of ${api.length} API checks passed${failed.length ? `; failed: ${failed.join(', ')}` : ''}`,
      extra: { checks_passed: passed.length, checks_applicable: api.length },
    });
  }
  const health = result.checks.find((c) => c.id === 'health');
  if (health && health.state !== 'skipped') {
    rows.push({ indicator: 'application.management.health', id: 'conformance:health', value: health.state === 'passed' ? 1 : 0, pass: health.state === 'passed', reason: `/health: ${health.detail}` });
  }
  const rl = result.checks.find((c) => c.id === 'rate-limit');
  if (rl && rl.state !== 'skipped') {
    const limited = rl.figures?.responses_429 ?? 0;
    const withRetry = rl.figures?.with_retry_after ?? 0;
    const value = limited > 0 ? withRetry / limited : rl.state === 'passed' ? 1 : 0;
    rows.push({
      indicator: 'application.management.rate-limit',
      id: 'conformance:rate-limit',
      value,
      pass: rl.state === 'passed',
      reason: rl.detail,
      extra: { responses_429: limited, with_retry_after: withRetry },
    });
  }
  return rows;
}
