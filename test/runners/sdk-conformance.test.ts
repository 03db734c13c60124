import { test } from 'uvu';
import * as assert from 'uvu/assert';
import OpenAI, { APIError, NotFoundError, RateLimitError } from 'openai';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';
import { startServer, type RunningServer } from '../../src/runners/serve.ts';
import type { Adapter, ModelRequest } from '../../src/core/types.ts';

// The official openai SDK (v6) as the client of `modelgrade serve` (startServer) over ref-weak.
let model: Adapter;
let srv: RunningServer;
let client: OpenAI;

// A held adapter: each call waits on the next gate the test made, so a second request finds the
// one slot (maxInflight 1) taken.
let slowSrv: RunningServer;
type Gate = { entered: Promise<void>; enter: () => void; released: Promise<void>; release: () => void };
const pending: Gate[] = [];
function gate(): Gate {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const released = new Promise<void>((r) => (release = r));
  const g = { entered, enter, released, release };
  pending.push(g);
  return g;
}
const held: Adapter = {
  id: 'held',
  describe: () => ({ id: 'held', spec: 'held', kind: 'test', supportsLogprobs: false }),
  async call(_req: ModelRequest) {
    const g = pending.shift();
    if (!g) return { output: 'not held' };
    g.enter();
    await g.released;
    return { output: 'released' };
  },
  async close() {},
};

const PROMPT = 'The capital of France is';

test.before(async () => {
  model = await openModel(parseModelSpec('ref-weak', MODELS_DIR), { device: 'cpu' });
  srv = await startServer(model, { port: 0 });
  slowSrv = await startServer(held, { port: 0, maxInflight: 1 });
  client = new OpenAI({ baseURL: srv.url, apiKey: 'sk-local-test', maxRetries: 0, timeout: 60_000 });
});
test.after(async () => {
  await srv.close();
  await slowSrv.close();
  await model.close();
});

test('models.list names the served model', async () => {
  const page = await client.models.list();
  assert.equal(page.data.map((m) => m.id), ['ref-weak']);
  assert.is(page.data[0].object, 'model');
  assert.type(page.data[0].created, 'number');
  const ids: string[] = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.equal(ids, ['ref-weak']);
});

let plain = '';

test('chat.completions.create (non-streaming): content string, finish_reason, integer usage', async () => {
  const r = await client.chat.completions.create({ model: 'ref-weak', messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 12 });
  assert.is(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.is(r.model, 'ref-weak');
  const c = r.choices[0];
  assert.is(c.message.role, 'assistant');
  assert.type(c.message.content, 'string');
  plain = c.message.content!;
  assert.ok(plain.length > 0, 'ref-weak answers this prompt');
  assert.ok(c.finish_reason === 'stop' || c.finish_reason === 'length');
  const u = r.usage!;
  for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) assert.ok(Number.isInteger(u[k]) && u[k] >= 0, k);
  assert.ok(u.prompt_tokens > 0 && u.completion_tokens > 0);
  assert.is(u.total_tokens, u.prompt_tokens + u.completion_tokens);
});

test('streaming: async iteration concatenates to the greedy non-streaming content; finish_reason on the last chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'ref-weak', messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 12, stream: true });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id));
  assert.is(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), plain);
  assert.ok(chunks.filter((c) => c.choices[0]?.delta?.content).length >= 2, 'streamed in several pieces');
  const last = chunks.at(-1)!;
  assert.ok(last.choices[0].finish_reason === 'stop' || last.choices[0].finish_reason === 'length');
  assert.ok(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null));
  // With include_usage the usage chunk (no choices) comes last, after the finish chunk.
  const withUsage = await client.chat.completions.create({
    model: 'ref-weak',
    messages: [{ role: 'user', content: PROMPT }],
    temperature: 0,
    max_tokens: 12,
    stream: true,
    stream_options: { include_usage: true },
  });
  const all: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const c of withUsage) all.push(c);
  assert.equal(all.at(-1)!.choices, []);
  assert.ok(all.at(-1)!.usage!.completion_tokens > 0);
  assert.ok(all.at(-2)!.choices[0].finish_reason !== null);
});

test('an unknown model surfaces as the SDK APIError (404 NotFoundError) with the server message', async () => {
  const e = await client.chat.completions.create({ model: 'gpt-unknown', messages: [{ role: 'user', content: 'x' }] }).then(
    () => null,
    (x: unknown) => x,
  );
  assert.instance(e, APIError);
  assert.instance(e, NotFoundError);
  const err = e as APIError;
  assert.ok(err.status === 404 || err.status === 400);
  assert.match(err.message, /gpt-unknown/);
  assert.is((err.error as { type?: string }).type, 'invalid_request_error');
});

test('a 429 from maxInflight surfaces as RateLimitError with Retry-After: 1 (maxRetries 0); the held call then completes', async () => {
  const slow = new OpenAI({ baseURL: slowSrv.url, apiKey: 'sk-local-test', maxRetries: 0 });
  const first = gate();
  const a = slow.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'a' }] });
  await first.entered;
  const e = await slow.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'b' }] }).then(
    () => null,
    (x: unknown) => x,
  );
  assert.instance(e, RateLimitError);
  const err = e as RateLimitError;
  assert.is(err.status, 429);
  assert.is(err.headers.get('retry-after'), '1');
  assert.is((err.error as { type?: string }).type, 'rate_limit_error');
  first.release();
  const r = await a;
  assert.is(r.choices[0].message.content, 'released');
  // The slot is free again.
  const next = gate();
  const b = slow.chat.completions.create({ model: 'held', messages: [{ role: 'user', content: 'c' }] });
  await next.entered;
  next.release();
  assert.is((await b).choices[0].message.content, 'released');
});

test.run();
