/**
 * ttft_error_ms: how far the harness's time to first token (taken by the engine around the
 * openai: adapter) is from the server's own. A scripted SSE server in a child process flushes the
 * response headers when a request arrives, sends the first content chunk after a known delay (50,
 * 100 or 200 ms) and reports, in a later chunk, when it sent that first chunk relative to the
 * request's arrival (its `request` event). The figure is the largest |harness TTFT − server
 * first-chunk time| over the measured requests.
 */
import { runEngine } from '../dist/runners/engine.js';
import { openOpenAI } from '../dist/runners/adapters/openai.js';
import { childServer } from './http.js';

/** The scripted server (CommonJS, run with `node -e`); prints its port. */
const SERVER = String.raw`
const http = require('node:http');
const DELAYS = [50, 100, 200];
let n = 0;
const base = { id: 'chatcmpl-ttft', object: 'chat.completion.chunk', created: 1, model: 'ttft' };
const ev = (o) => 'data: ' + JSON.stringify(o) + '\n\n';
const server = http.createServer((req, res) => {
  const arrived = performance.now();
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ object: 'list', data: [{ id: 'ttft', object: 'model' }] }));
  }
  req.resume();
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  const delay = DELAYS[n++ % DELAYS.length];
  setTimeout(() => {
    const first = ev({ ...base, choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] });
    const sentAt = performance.now();
    res.write(first);
    const ms = sentAt - arrived;
    res.write(ev({ ...base, choices: [{ index: 0, delta: { content: '#' + ms.toFixed(4) + '#' + delay }, finish_reason: null }] }));
    res.write(ev({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
    res.end('data: [DONE]\n\n');
  }, delay);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.on('disconnect', () => process.exit(0));
`;

/**
 * `requests` sequential calls (after `warmup` unmeasured ones) through the engine; returns the
 * largest and median |harness TTFT − server first-chunk time| (ms) and the per-delay maxima.
 */
export async function ttftError({ requests = 51, warmup = 3 } = {}) {
  const srv = await childServer(SERVER);
  try {
    const adapter = await openOpenAI(`http://127.0.0.1:${srv.port}/v1`);
    const request = { prompt: 'ttft', temperature: 0, maxTokens: 4, seed: 1 };
    const items = Array.from({ length: warmup + requests }, (_, i) => ({ caseId: `t${i}`, phase: 'main', request }));
    const records = [];
    await runEngine(adapter, items, (r) => records.push(r), { concurrency: 1, timeoutMs: 10_000 });
    await adapter.close();
    const errs = [];
    const byDelay = {};
    for (const r of records.slice(warmup)) {
      if (r.status !== 'ok' || r.timing.ttftMs === undefined) throw new Error(`call ${r.caseId} failed or has no TTFT`);
      const m = /^x#([\d.]+)#(\d+)$/.exec(r.output);
      if (!m) throw new Error(`unexpected output ${r.output}`);
      const e = Math.abs(r.timing.ttftMs - Number(m[1]));
      errs.push(e);
      byDelay[m[2]] = Math.max(byDelay[m[2]] ?? 0, e);
    }
    const sorted = [...errs].sort((a, b) => a - b);
    return { maxMs: sorted.at(-1), p50Ms: sorted[Math.floor(sorted.length / 2)], n: errs.length, byDelay };
  } finally {
    await srv.stop();
  }
}
