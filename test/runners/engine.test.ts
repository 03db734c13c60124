import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runEngine, type WorkItem } from '../../src/runners/engine.ts';
import type { Adapter, ModelRequest, ResponseRecord } from '../../src/core/types.ts';

const req: ModelRequest = { prompt: 'p', temperature: 0, maxTokens: 8, seed: 1 };
const items = (n: number): WorkItem[] => Array.from({ length: n }, (_, i) => ({ caseId: `c${i}`, phase: 'main', request: req }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An in-process adapter whose behaviour per case is scripted (no real model exists for these cases). */
function scripted(fn: (caseId: string, signal: AbortSignal, first: () => void) => Promise<string>) {
  let inFlight = 0;
  let maxInFlight = 0;
  const adapter: Adapter = {
    id: 'scripted',
    describe: () => ({ id: 'scripted', spec: 'scripted', kind: 'test', supportsLogprobs: false }),
    async call(_r, caseId, ctx) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return { output: await fn(caseId, ctx.signal, ctx.firstToken) };
      } finally {
        inFlight--;
      }
    },
    async close() {},
  };
  return { adapter, max: () => maxInFlight };
}

test('bounded concurrency: never more calls in flight than asked', async () => {
  const s = scripted(async (id) => {
    await sleep(2 + (Number(id.slice(1)) % 3));
    return id;
  });
  const out: ResponseRecord[] = [];
  const res = await runEngine(s.adapter, items(40), (r) => out.push(r), { concurrency: 4, timeoutMs: 5000 });
  assert.is(res.state, 'completed');
  assert.is(out.length, 40);
  assert.is(s.max(), 4);
  assert.equal(new Set(out.map((r) => r.caseId)).size, 40);
});

test('a failed call is an error record, not a throw', async () => {
  const s = scripted(async (id) => {
    if (id === 'c3') throw new Error('boom');
    return 'ok';
  });
  const out: ResponseRecord[] = [];
  await runEngine(s.adapter, items(5), (r) => out.push(r), { concurrency: 2, timeoutMs: 5000 });
  const bad = out.find((r) => r.caseId === 'c3')!;
  assert.is(bad.status, 'error');
  assert.is(bad.status === 'error' && bad.error.kind, 'adapter');
  assert.is(bad.status === 'error' && bad.error.message, 'boom');
  assert.is(out.filter((r) => r.status === 'ok').length, 4);
});

test('the harness-owned timeout fires even when the adapter ignores its signal', async () => {
  const s = scripted(async (id) => {
    if (id === 'c1') await sleep(400);
    return 'ok';
  });
  const out: ResponseRecord[] = [];
  await runEngine(s.adapter, items(3), (r) => out.push(r), { concurrency: 3, timeoutMs: 50 });
  const slow = out.find((r) => r.caseId === 'c1')!;
  assert.is(slow.status, 'error');
  assert.is(slow.status === 'error' && slow.error.kind, 'timeout');
  assert.ok(slow.timing.latencyMs >= 45 && slow.timing.latencyMs < 390, `latency ${slow.timing.latencyMs}`);
});

test('the engine takes the timestamps: latency covers the call, TTFT when the first token is signalled', async () => {
  const s = scripted(async (_id, _sig, first) => {
    await sleep(20);
    first();
    await sleep(20);
    return 'ok';
  });
  const out: ResponseRecord[] = [];
  await runEngine(s.adapter, items(1), (r) => out.push(r), { concurrency: 1, timeoutMs: 5000 });
  const t = out[0].timing;
  assert.ok(t.ttftMs !== undefined && t.ttftMs >= 18 && t.ttftMs < t.latencyMs, JSON.stringify(t));
  assert.ok(t.latencyMs >= 38, JSON.stringify(t));
  assert.match(t.startedAt, /^\d{4}-\d\d-\d\dT/);
});

test('abort stops scheduling; calls in flight are not journaled', async () => {
  const ctrl = new AbortController();
  const s = scripted(async (_id, signal) => {
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, 10);
      signal.addEventListener('abort', () => (clearTimeout(t), reject(new Error('aborted'))));
    });
    return 'ok';
  });
  const out: ResponseRecord[] = [];
  setTimeout(() => ctrl.abort(), 35);
  const res = await runEngine(s.adapter, items(100), (r) => out.push(r), { concurrency: 2, timeoutMs: 5000, signal: ctrl.signal });
  assert.is(res.state, 'interrupted');
  assert.ok(out.length > 0 && out.length < 100, `${out.length} records`);
  assert.ok(out.every((r) => r.status === 'ok'), 'no aborted call is recorded as an error');
});

test('log-likelihoods are fetched after the timed call', async () => {
  const adapter: Adapter = {
    id: 'll',
    describe: () => ({ id: 'll', spec: 'll', kind: 'test', supportsLogprobs: true }),
    call: async () => ({ output: 'B' }),
    loglik: async (_p, conts) => {
      await sleep(200);
      return { logprobs: conts.map((_, i) => -i), tokens: conts.map(() => 1) };
    },
    close: async () => {},
  };
  const out: ResponseRecord[] = [];
  await runEngine(adapter, [{ caseId: 'x', phase: 'main', request: { ...req, continuations: ['a', 'b'] } }], (r) => out.push(r), { concurrency: 1, timeoutMs: 5000 });
  const r = out[0];
  assert.is(r.status, 'ok');
  assert.equal(r.status === 'ok' && r.logprobs, [-0, -1]);
  assert.ok(r.timing.latencyMs < 150, `latency ${r.timing.latencyMs} excludes the log-likelihood pass`);
});

test.run();
