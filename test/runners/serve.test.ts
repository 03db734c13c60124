import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';
import { startServer, promptOf, type RunningServer } from '../../src/runners/serve.ts';
import { openOpenAI, countTokens, parseRetryAfter } from '../../src/runners/adapters/openai.ts';
import type { Adapter, CallContext, ModelRequest } from '../../src/core/types.ts';

// The real embedded model, served in-process on an ephemeral port.
let model: Adapter;
let srv: RunningServer;
// A scripted adapter (no onToken streaming, fixed usage-less reply; fails on "boom").
let fakeSrv: RunningServer;
const seen: ModelRequest[] = [];
const fake: Adapter = {
  id: 'fake',
  describe: () => ({ id: 'fake', spec: 'fake', kind: 'fake', supportsLogprobs: false }),
  async call(req: ModelRequest, _id: string, _ctx: CallContext) {
    seen.push(req);
    if (req.prompt === 'boom') throw new Error('scripted failure');
    return { output: 'Hello wide world, 你好世界 — a reply long enough for several chunks.' };
  },
  async close() {},
};

const PROMPT =
  'The following is a multiple-choice question. Give the correct option.\nQuestion: What is the maximum length of an IBAN (International Bank Account Number)?\nA. 22 characters\nB. 34 characters\nC. 16 characters\nD. 40 characters\nAnswer:';

test.before(async () => {
  model = await openModel(parseModelSpec('ref-strong', MODELS_DIR), { device: 'cpu' });
  srv = await startServer(model, { port: 0 });
  fakeSrv = await startServer(fake, { port: 0 });
});
test.after(async () => {
  await srv.close();
  await fakeSrv.close();
  await model.close();
});

const post = (base: string, body: unknown, path = '/chat/completions') =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Parses an SSE body into its data payloads (strings), checking the framing. */
function sse(text: string): string[] {
  assert.ok(text.endsWith('\n\n'), 'events end with a blank line');
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((ev) => {
      assert.match(ev, /^data: /);
      return ev.slice(6);
    });
}

test('binds 127.0.0.1 on an ephemeral port and answers /health', async () => {
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  assert.ok(srv.port > 0);
  const r = await fetch(srv.url.replace(/\/v1$/, '/health'));
  assert.is(r.status, 200);
  assert.equal(await r.json(), { status: 'ok', model: 'ref-strong' });
});

test('GET /v1/models lists the model id', async () => {
  const r = await fetch(`${srv.url}/models`);
  assert.is(r.status, 200);
  const j = await r.json();
  assert.is(j.object, 'list');
  assert.is(j.data.length, 1);
  assert.is(j.data[0].id, 'ref-strong');
  assert.is(j.data[0].object, 'model');
});

test('non-streaming chat completion: greedy answer, usage, equals the adapter called directly', async () => {
  const r = await post(srv.url, { model: 'ref-strong', messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 16 });
  assert.is(r.status, 200);
  assert.match(r.headers.get('content-type')!, /application\/json/);
  const j = await r.json();
  assert.is(j.object, 'chat.completion');
  assert.is(j.model, 'ref-strong');
  assert.is(j.choices[0].message.role, 'assistant');
  const direct = await model.call({ prompt: PROMPT, temperature: 0, maxTokens: 16, seed: 0 }, 'x', { signal: new AbortController().signal, firstToken() {} });
  assert.ok(direct.output.length > 0, 'the reference model answers this prompt');
  assert.is(j.choices[0].message.content, direct.output);
  assert.ok(['stop', 'length'].includes(j.choices[0].finish_reason));
  assert.is(j.usage.prompt_tokens, direct.usage!.inputTokens);
  assert.is(j.usage.completion_tokens, direct.usage!.outputTokens);
  assert.is(j.usage.total_tokens, j.usage.prompt_tokens + j.usage.completion_tokens);
});

test('streaming chat completion: SSE deltas (token by token from the onnx loop) concatenate to the answer, finish chunk, usage, [DONE]', async () => {
  const body = { messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 16 };
  const plain = await (await post(srv.url, body)).json();
  const r = await post(srv.url, { ...body, stream: true, stream_options: { include_usage: true } });
  assert.is(r.status, 200);
  assert.match(r.headers.get('content-type')!, /text\/event-stream/);
  const events = sse(await r.text());
  assert.is(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  for (const c of chunks) assert.is(c.object, 'chat.completion.chunk');
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.is(text, plain.choices[0].message.content);
  const contentChunks = chunks.filter((c) => c.choices[0]?.delta?.content);
  assert.ok(contentChunks.length >= 2, `streamed in ${contentChunks.length} pieces`);
  const fin = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.is(fin.length, 1);
  const last = chunks.at(-1);
  assert.equal(last.choices, []);
  assert.equal(last.usage, plain.usage);
});

test('streaming without include_usage has no usage chunk; adapters without onToken are chunked from the final text', async () => {
  const r = await post(fakeSrv.url, { messages: [{ role: 'user', content: 'hi' }], stream: true });
  const events = sse(await r.text());
  assert.is(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  assert.ok(chunks.every((c) => c.usage === undefined));
  assert.is(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello wide world, 你好世界 — a reply long enough for several chunks.');
  assert.ok(chunks.filter((c) => c.choices[0]?.delta?.content).length >= 3);
  assert.is(chunks.at(-1).choices[0].finish_reason, 'stop');
});

test('request fields reach the adapter: temperature (default 0 = greedy), max_tokens, seed, prompt from messages', async () => {
  seen.length = 0;
  await post(fakeSrv.url, { messages: [{ role: 'user', content: 'q' }] });
  await post(fakeSrv.url, { messages: [{ role: 'system', content: 'S' }, { role: 'user', content: [{ type: 'text', text: 'U' }] }], temperature: 0.7, max_tokens: 7, seed: 5 });
  assert.equal(seen[0], { prompt: 'q', temperature: 0, maxTokens: 256, seed: 0 });
  assert.equal(seen[1], { prompt: 'S\n\nU', temperature: 0.7, maxTokens: 7, seed: 5 });
  assert.is(promptOf([{ role: 'user', content: '  exact  ' }]), '  exact  ');
});

test('usage is counted when the adapter reports none', async () => {
  const j = await (await post(fakeSrv.url, { messages: [{ role: 'user', content: 'two words' }] })).json();
  assert.is(j.usage.prompt_tokens, 2);
  assert.is(j.usage.completion_tokens, countTokens(j.choices[0].message.content));
});

test('errors are JSON {error:{message,type,code}} with the right status', async () => {
  const check = async (r: Response, status: number, code: string | null) => {
    assert.is(r.status, status);
    assert.match(r.headers.get('content-type')!, /application\/json/);
    const j = await r.json();
    assert.type(j.error.message, 'string');
    assert.type(j.error.type, 'string');
    assert.is(j.error.code, code);
    return j;
  };
  await check(await post(srv.url, '{not json'), 400, 'invalid_json');
  await check(await post(srv.url, { model: 'ref-strong' }), 400, 'missing_messages');
  await check(await post(srv.url, { messages: [] }), 400, 'missing_messages');
  await check(await post(srv.url, { messages: [{ role: 'user', content: 'x' }], temperature: -1 }), 400, 'invalid_value');
  const nf = await check(await post(srv.url, { model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }), 404, 'model_not_found');
  assert.match(nf.error.message, /gpt-9/);
  await check(await fetch(`${srv.url}/nope`), 404, 'not_found');
  await check(await fetch(srv.url.replace(/\/v1$/, '/')), 404, 'not_found');
  const m = await fetch(`${srv.url}/chat/completions`);
  await check(m, 405, 'method_not_allowed');
  assert.is(m.headers.get('allow'), 'POST');
  await check(await post(srv.url, {}, '/models'), 405, 'method_not_allowed');
  await check(await post(fakeSrv.url, { messages: [{ role: 'user', content: 'boom' }] }), 500, null);
});

test('openai: adapter against the served model: same greedy output, usage from the server, TTFT signalled', async () => {
  const a = await openOpenAI(srv.url);
  const info = a.describe();
  assert.is(info.id, 'ref-strong');
  assert.is(info.kind, 'openai');
  assert.match(info.digest!, /^[0-9a-f]{64}$/);
  assert.is(info.supportsLogprobs, false);
  let first = 0;
  const req = { prompt: PROMPT, temperature: 0, maxTokens: 16, seed: 1 };
  const r = await a.call(req, 'c', { signal: new AbortController().signal, firstToken: () => void first++ });
  const direct = await model.call(req, 'c', { signal: new AbortController().signal, firstToken() {} });
  assert.is(r.output, direct.output);
  assert.equal(r.usage, direct.usage);
  assert.is(r.attempts, 1);
  assert.is(first, 1);
  const f = await openOpenAI(fakeSrv.url);
  const rf = await f.call({ prompt: 'x y', temperature: 0, maxTokens: 8, seed: 1 }, 'c', { signal: new AbortController().signal, firstToken() {} });
  assert.is(rf.usage!.counted, undefined, 'the fake server reports (counted) usage itself');
});

test('countTokens and parseRetryAfter', () => {
  assert.is(countTokens('hello world'), 2);
  assert.is(countTokens('你好世界'), 4);
  assert.is(countTokens('利率 3% per year'), 5);
  assert.is(countTokens(''), 0);
  assert.is(parseRetryAfter('2'), 2000);
  assert.is(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.is(parseRetryAfter(null), undefined);
  assert.is(parseRetryAfter('soon'), undefined);
});

test.run();
