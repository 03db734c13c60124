/**
 * http_vs_autocannon_ratio: how close the openai: adapter, driven by the engine, comes to the
 * request rate autocannon gets from the same zero-work endpoint (same request, same connections,
 * same duration, same run). The endpoint is a tiny node:http server in a child process answering
 * POST /v1/chat/completions with a fixed SSE completion (the adapter always streams) and
 * GET /v1/models, so the figure is the client side's cost per request.
 */
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { runEngine } from '../dist/runners/engine.js';
import { openOpenAI } from '../dist/runners/adapters/openai.js';

/** The zero-work server (CommonJS, run with `node -e`); prints its port. */
const SERVER = String.raw`
const http = require('node:http');
const base = { id: 'chatcmpl-zero', object: 'chat.completion.chunk', created: 1, model: 'zero' };
const ev = (o) => 'data: ' + JSON.stringify(o) + '\n\n';
const sse =
  ev({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }) +
  ev({ ...base, choices: [{ index: 0, delta: { content: 'The answer is B.' }, finish_reason: null }] }) +
  ev({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
  ev({ ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 } }) +
  'data: [DONE]\n\n';
const models = JSON.stringify({ object: 'list', data: [{ id: 'zero', object: 'model', created: 1, owned_by: 'bench' }] });
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(models);
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(sse);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('disconnect', () => process.exit(0));
`;

/** Starts a child-process server from source text; resolves with its port and a stop function. */
export function childServer(source) {
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ port: Number(m[1]), child, stop: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill()))) });
    });
  });
}

/** The adapter's request body for a prompt (what autocannon sends too). */
function requestBody(prompt) {
  return JSON.stringify({ model: 'zero', messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: 16, seed: 1, stream: true, stream_options: { include_usage: true } });
}

const PROMPT = 'Question: Which of these is a valid IBAN length?\nA. 12\nB. 34\nC. 70\nD. 3\nAnswer:';

/** Requests/s of the adapter through the engine for `ms` (concurrency `c`). */
async function adapterRate(adapter, ms, c) {
  const ctrl = new AbortController();
  const request = { prompt: PROMPT, temperature: 0, maxTokens: 16, seed: 1 };
  function* items() {
    for (let i = 0; ; i++) yield { caseId: `c${i}`, phase: 'main', request };
  }
  let ok = 0;
  let errors = 0;
  const t0 = performance.now();
  setTimeout(() => ctrl.abort(), ms);
  await runEngine(adapter, items(), (r) => (r.status === 'ok' && r.output === 'The answer is B.' ? ok++ : errors++), { concurrency: c, timeoutMs: 30_000, signal: ctrl.signal });
  const secs = (performance.now() - t0) / 1000;
  if (errors) throw new Error(`adapter: ${errors} failed calls`);
  return ok / secs;
}

/** Requests/s autocannon gets with `c` connections for `ms`. */
async function autocannonRate(port, ms, c) {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream, application/json' },
    body: requestBody(PROMPT),
    connections: c,
    duration: ms / 1000,
  });
  if (r.errors || r.non2xx) throw new Error(`autocannon: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return r.requests.total / (r.duration || ms / 1000);
}

/**
 * Alternates adapter and autocannon windows (`rounds` of `ms` each, after a `warmupMs` warm-up of each) and
 * returns the median rates and their ratio.
 */
export async function httpVsAutocannon({ ms = 2000, rounds = 5, connections = 32, warmupMs = 3000 } = {}) {
  const srv = await childServer(SERVER);
  try {
    const adapter = await openOpenAI(`http://127.0.0.1:${srv.port}/v1`);
    // Warm-up (JIT of both sides and of the server), unmeasured.
    await adapterRate(adapter, warmupMs, connections);
    await autocannonRate(srv.port, warmupMs, connections);
    const a = [];
    const b = [];
    for (let i = 0; i < rounds; i++) {
      a.push(await adapterRate(adapter, ms, connections));
      b.push(await autocannonRate(srv.port, ms, connections));
    }
    const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const adapterRps = med(a);
    const autocannonRps = med(b);
    await adapter.close();
    return { adapterRps, autocannonRps, ratio: adapterRps / autocannonRps, adapterRuns: a, autocannonRuns: b, ms, rounds, connections };
  } finally {
    await srv.stop();
  }
}
