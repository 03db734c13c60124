import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, cliAsync, serveChild, type ServeChild } from '../helpers/fixtures.ts';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';
import { startServer, type RunningServer } from '../../src/runners/serve.ts';
import { checkEndpoint, conformanceMeasurements, CHECK_IDS, type ConformanceResult } from '../../src/runners/conformance.ts';
import type { Adapter } from '../../src/core/types.ts';

const KEY = 'sk-conformance-planted-91c2-DO-NOT-LEAK';
const t = tempDir('mg-conf-');
let model: Adapter;
let srv: RunningServer;
let limited: ServeChild;
let limitedUrl = '';
let broken: Server;
let brokenUrl = '';


/**
 * A deliberately broken OpenAI-like server: a good model list and completion schema, but no usage,
 * no `data: [DONE]`, HTML error bodies (echoing the Authorization header), no /health, and 429
 * without Retry-After beyond 4 requests in flight.
 */
function brokenServer(): Server {
  let inflight = 0;
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const html = (status: number) => {
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(`<html><body>Error ${status} for ${req.headers.authorization ?? 'anonymous'}</body></html>`);
      };
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ object: 'list', data: [{ id: 'broken-1', object: 'model' }] }));
      }
      if (req.url !== '/v1/chat/completions') return html(404);
      let body: { model?: string; stream?: boolean };
      try {
        body = JSON.parse(raw);
      } catch {
        return html(400);
      }
      if (body.model !== 'broken-1') return html(404);
      if (inflight >= 4) {
        res.writeHead(429, { 'content-type': 'application/json' });
        return res.end('{"error":{"message":"slow down","type":"rate_limit"}}');
      }
      inflight++;
      res.on('close', () => void inflight--);
      setTimeout(() => {
        const base = { id: 'cmpl-1', created: 1, model: 'broken-1' };
        if (body.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'Paris' }, finish_reason: null }] })}\n\n`);
          return res.end(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Paris' }, finish_reason: 'stop' }] }));
      }, 20);
    });
  });
}

test.before(async () => {
  model = await openModel(parseModelSpec('ref-weak', MODELS_DIR), { device: 'cpu' });
  srv = await startServer(model, { port: 0 });
  // The CLI's serve in a child process (in-process, client and server share one event loop and the
  // burst hardly overlaps).
  limited = await serveChild(['--model', 'ref-weak', '--max-inflight', '2']);
  limitedUrl = limited.url;
  broken = brokenServer();
  await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
  brokenUrl = `http://127.0.0.1:${(broken.address() as { port: number }).port}/v1`;
});
test.after(async () => {
  await srv.close();
  await limited?.stop();
  broken.closeAllConnections();
  await new Promise((r) => broken.close(r));
  await model.close();
  t.cleanup();
});

const states = (r: ConformanceResult) => {
  assert.is(r.state, 'checked');
  if (r.state !== 'checked') throw new Error('unreachable');
  return Object.fromEntries(r.checks.map((c) => [c.id, c.state]));
};

let served: ConformanceResult;
let brokenResult: ConformanceResult;

test('modelgrade serve passes every check; rate limiting is not observed without --max-inflight', async () => {
  served = await checkEndpoint(srv.url, { timeoutMs: 30_000 });
  const s = states(served);
  assert.equal(Object.keys(s), [...CHECK_IDS]);
  for (const id of CHECK_IDS) assert.is(s[id], id === 'rate-limit' ? 'skipped' : 'passed', `${id}: ${JSON.stringify(served)}`);
  assert.is(served.state === 'checked' && served.model, 'ref-weak');
  const rl = served.state === 'checked' ? served.checks.find((c) => c.id === 'rate-limit')! : undefined;
  assert.match(rl!.detail, /^not observed: 64 concurrent requests, 64 answered 200/);
});

test('serve --max-inflight 2 answers the burst with 429 + Retry-After: the rate-limit check passes', async () => {
  const r = await checkEndpoint(limitedUrl, { timeoutMs: 30_000, modelName: 'ref-weak' });
  const s = states(r);
  for (const id of CHECK_IDS) assert.is(s[id], 'passed', id);
  const rl = r.state === 'checked' ? r.checks.find((c) => c.id === 'rate-limit')! : undefined;
  assert.ok(rl!.figures!.responses_429 > 0 && rl!.figures!.responses_429 === rl!.figures!.with_retry_after, JSON.stringify(rl));
  const rows = conformanceMeasurements(r);
  assert.equal(rows.map((m) => [m.indicator, m.value, m.pass]), [
    ['application.maturity.api-conformance', 1, true],
    ['application.management.health', 1, true],
    ['application.management.rate-limit', 1, true],
  ]);
});

test('a broken server fails exactly the right checks; the key is scrubbed from details', async () => {
  brokenResult = await checkEndpoint(brokenUrl, { timeoutMs: 10_000, apiKey: KEY });
  assert.equal(states(brokenResult), {
    models: 'passed',
    'chat-schema': 'passed',
    usage: 'failed',
    stream: 'failed',
    'error-unknown-model': 'failed',
    'error-malformed': 'failed',
    determinism: 'passed',
    health: 'skipped',
    'rate-limit': 'failed',
  });
  const d = Object.fromEntries((brokenResult as Extract<ConformanceResult, { state: 'checked' }>).checks.map((c) => [c.id, c.detail]));
  assert.match(d.usage, /usage is missing/);
  assert.match(d.stream, /does not end with data: \[DONE\]/);
  assert.match(d['error-unknown-model'], /text\/html/);
  assert.match(d['error-malformed'], /text\/html/);
  assert.match(d['rate-limit'], /answered 429, 0 with a valid Retry-After/);
  assert.not.ok(JSON.stringify(brokenResult).includes(KEY));
});

test('conformanceMeasurements: share of applicable API checks, health and rate-limit rows only when applicable', () => {
  const a = conformanceMeasurements(served);
  assert.equal(a.map((m) => m.indicator), ['application.maturity.api-conformance', 'application.management.health']);
  assert.is(a[0].value, 1);
  assert.equal(a[0].extra, { checks_passed: 7, checks_applicable: 7 });
  const b = conformanceMeasurements(brokenResult);
  assert.equal(b.map((m) => m.indicator), ['application.maturity.api-conformance', 'application.management.rate-limit']);
  assert.is(b[0].value, 3 / 7);
  assert.is(b[0].pass, false);
  assert.match(b[0].reason, /3 of 7 API checks passed; failed: usage, stream, error-unknown-model, error-malformed/);
  assert.is(b[1].value, 0);
  assert.is(b[1].pass, false);
  assert.equal(conformanceMeasurements({ state: 'unreachable', baseUrl: 'http://x/v1', message: 'ECONNREFUSED' }), []);
  const mixed: ConformanceResult = {
    state: 'checked',
    baseUrl: 'http://x/v1',
    model: 'm',
    counts: { passed: 1, failed: 1, skipped: 0 },
    checks: [
      { id: 'models', state: 'passed', detail: '' },
      { id: 'health', state: 'failed', detail: 'HTTP 500' },
      { id: 'rate-limit', state: 'failed', detail: '', figures: { responses_429: 4, with_retry_after: 3 } },
    ],
  };
  assert.equal(conformanceMeasurements(mixed).map((m) => [m.id, m.value]), [
    ['conformance:api', 1],
    ['conformance:health', 0],
    ['conformance:rate-limit', 0.75],
  ]);
});

test('CLI: exit 0 on serve (with --out measurements), 1 on the broken server, 2 when unreachable or the URL is bad', async () => {
  const ok = await cliAsync(['conformance', srv.url, '--out', join(t.dir, 'bundle')]);
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /✓ stream/);
  assert.match(ok.stdout, /– rate-limit\s+not observed/);
  assert.match(ok.stdout, /8 of 8 applicable checks passed, 0 failed, 1 skipped/);
  const doc = JSON.parse(readFileSync(join(t.dir, 'bundle', 'measurements.json'), 'utf8'));
  assert.equal(doc.measurements.map((m: { id: string }) => m.id), ['conformance:api', 'conformance:health']);
  assert.is(doc.sections.conformance.model, 'ref-weak');

  const bad = await cliAsync(['conformance', brokenUrl, '--api-key-env', 'MG_CONF_KEY', '--json'], { MG_CONF_KEY: KEY });
  assert.is(bad.code, 1, bad.stderr);
  assert.is(JSON.parse(bad.stdout).counts.failed, 5);
  assert.not.ok((bad.stdout + bad.stderr).includes(KEY), 'the key leaks nowhere');

  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  const down = await cliAsync(['conformance', `http://127.0.0.1:${port}/v1`]);
  assert.is(down.code, 2);
  assert.match(down.stderr, /GET http:\/\/127\.0\.0\.1:\d+\/v1\/models: ECONNREFUSED; is the server running\?/);
  const notUrl = await cliAsync(['conformance', 'localhost-8000']);
  assert.is(notUrl.code, 2);
  assert.match(notUrl.stderr, /not a URL/);
  const noKey = await cliAsync(['conformance', srv.url, '--api-key-env', 'MG_CONF_UNSET_VAR']);
  assert.is(noKey.code, 2);
  assert.match(noKey.stderr, /MG_CONF_UNSET_VAR is not set/);
});

test.run();
