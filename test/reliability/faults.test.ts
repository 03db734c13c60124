import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, cliAsync, timingProofProfile } from '../helpers/fixtures.ts';
import { startFaultProxy, planOf, type Fault, type FaultProxy } from '../helpers/fault-proxy.ts';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';
import { startServer, type RunningServer } from '../../src/runners/serve.ts';
import type { Adapter, ResponseRecord, Score } from '../../src/core/types.ts';

// A real `modelgrade serve` (startServer over the embedded ref-weak model), a real fault-injecting
// HTTP proxy in front of it, and the real CLI (a child process) running through the proxy.
const t = tempDir('mg-faults-');
const TIMEOUT_MS = 5000;
const MAX_ERROR_RATE = 0.2;
let model: Adapter;
let srv: RunningServer;
let proxy: FaultProxy;

// The ci profile, made timing-proof and lenient on sample size, so that only the error rate can make
// these runs INVALID: every latency passes the SLO, and at least 1 case per item is enough.
const PROFILE = timingProofProfile(t.dir, 'faults', [
  [/min_cases_per_item: \d+/, 'min_cases_per_item: 1'],
  [/max_error_rate: [\d.]+/, `max_error_rate: ${MAX_ERROR_RATE}`],
]);

type Run = { code: number; stdout: string; stderr: string };
const runVia = (out: string) =>
  cliAsync(['run', '--suite', 'finance', '--sample', '30', '--seed', '7', '--profile', PROFILE, '--concurrency', '1', '--timeout', String(TIMEOUT_MS), '--model', `openai:${proxy.url}`, '--out', join(t.dir, out)]);
const lines = <T>(f: string): T[] => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
const bundle = (out: string) => ({
  responses: lines<ResponseRecord>(join(t.dir, out, 'responses.jsonl')),
  scores: lines<Score>(join(t.dir, out, 'scores.jsonl')),
  scorecard: JSON.parse(readFileSync(join(t.dir, out, 'scorecard.json'), 'utf8')),
  manifest: JSON.parse(readFileSync(join(t.dir, out, 'manifest.json'), 'utf8')),
});
type Ok = Extract<ResponseRecord, { status: 'ok' }>;
type Err = Extract<ResponseRecord, { status: 'error' }>;

// Chat requests are numbered in arrival order; with --concurrency 1 the calls are made in case order,
// and each attempt of a call is one request (refused connections reach no request).
const s = (status: number, retryAfter?: string): Fault => ({ kind: 'status', status, ...(retryAfter !== undefined ? { retryAfter } : {}) });
const SURVIVABLE = planOf({
  2: s(429, '1'), // call 2: retried after Retry-After: 1 s
  5: s(500), 6: s(502), 7: s(503), // call 4: a 5xx burst, answered on the 4th attempt
  9: { kind: 'reset' }, // call 5: socket destroyed mid-response, retried
  11: { kind: 'malformed' }, // call 6: a cut JSON body, retried
  13: { kind: 'truncated' }, // call 7: SSE closed without [DONE], retried (never a short answer)
  15: { kind: 'stall' }, // call 8: stalls past the harness timeout: an error record
  16: { kind: 'drip', intervalMs: 1000 }, // call 9: one byte per second: ends at the harness timeout
  17: { kind: 'outage', ms: 1200 }, // call 10: the server goes away for 1.2 s, then answers
  19: s(503, '0'), 20: s(503, '0'), 21: s(503, '0'), 22: s(503, '0'), // call 11: 4 × 503: gives up, an error record
});
/** What each main-phase call (1-based, in case order) must end as under SURVIVABLE; others: ok on the first attempt. */
const EXPECTED: Record<number, { status: 'ok'; attempts: number[] } | { status: 'error'; kind: 'timeout' | 'adapter'; message: RegExp }> = {
  2: { status: 'ok', attempts: [2] },
  4: { status: 'ok', attempts: [4] },
  5: { status: 'ok', attempts: [2] },
  6: { status: 'ok', attempts: [2] },
  7: { status: 'ok', attempts: [2] },
  8: { status: 'error', kind: 'timeout', message: new RegExp(`no reply within ${TIMEOUT_MS} ms`) },
  9: { status: 'error', kind: 'timeout', message: new RegExp(`no reply within ${TIMEOUT_MS} ms`) },
  10: { status: 'ok', attempts: [3, 4] }, // 1 destroyed + 1 or 2 refused (the backoff is jittered) + 1 answered
  11: { status: 'error', kind: 'adapter', message: /HTTP 503 \(injected HTTP 503\); gave up after 4 attempts/ },
};

let base: ReturnType<typeof bundle>;
let faulted: ReturnType<typeof bundle>;
let faultedRun: Run;

/** uvu does not report a failing before hook: its error is kept and reported by the first test. */
let setupError: unknown;
async function setup(): Promise<void> {
  model = await openModel(parseModelSpec('ref-weak', MODELS_DIR), { device: 'cpu' });
  srv = await startServer(model, { port: 0 });
  proxy = await startFaultProxy(srv.url);
  const r = await runVia('base');
  assert.is(r.code, 0, `fault-free run: ${r.stderr}`);
  base = bundle('base');
  proxy.setPlan(SURVIVABLE);
  faultedRun = await runVia('faulted');
  faulted = bundle('faulted');
}
test.before(async () => {
  await setup().catch((e: unknown) => void (setupError = e));
});
test.after(async () => {
  await proxy?.close();
  await srv?.close();
  await model?.close();
  t.cleanup();
});

test('the proxy applied every planned fault', () => {
  assert.is(setupError, undefined, `setup failed: ${(setupError as Error)?.stack ?? setupError}`);
  const kinds = proxy.log.filter((e) => e.fault !== 'pass').map((e) => `${e.n}:${e.fault}`);
  assert.equal(kinds, ['2:status', '5:status', '6:status', '7:status', '9:reset', '11:malformed', '13:truncated', '15:stall', '16:drip', '17:outage', '19:status', '20:status', '21:status', '22:status']);
});

test('the run under faults completes and is VALID (error rate within the profile)', () => {
  assert.is(faulted.scorecard.validity.valid, true, JSON.stringify(faulted.scorecard.validity.reasons));
  assert.is(faultedRun.code, 0, faultedRun.stderr);
  assert.is(faulted.scorecard.counts.errors, 3);
});

test('each faulted call ends as planned: retried calls count their attempts, failures are error records', () => {
  const main = faulted.responses.filter((r) => r.phase === 'main');
  assert.equal(main.map((r) => r.caseId), base.responses.filter((r) => r.phase === 'main').map((r) => r.caseId), 'same cases, same order');
  main.forEach((r, i) => {
    const want = EXPECTED[i + 1] ?? { status: 'ok', attempts: [1] };
    assert.is(r.status, want.status, `call ${i + 1}: ${JSON.stringify(r)}`);
    if (want.status === 'ok') assert.ok(want.attempts.includes((r as Ok).attempts ?? 1), `call ${i + 1}: attempts ${(r as Ok).attempts}`);
    else {
      assert.is((r as Err).error.kind, want.kind, `call ${i + 1}`);
      assert.match((r as Err).error.message, want.message);
    }
  });
  // The drip was cut by the harness timeout, not left to run its course (~1 byte/s of a long reply).
  const drip = main[8];
  assert.ok(drip.timing.latencyMs >= TIMEOUT_MS && drip.timing.latencyMs < TIMEOUT_MS + 2000, `drip ended after ${drip.timing.latencyMs} ms`);
});

test('answers that survived faults are the answers of a fault-free run (no short or garbled answer)', () => {
  const want = new Map(base.responses.map((r) => [`${r.phase}:${r.caseId}`, r]));
  let compared = 0;
  for (const r of faulted.responses) {
    if (r.status !== 'ok') continue;
    const b = want.get(`${r.phase}:${r.caseId}`) as Ok;
    assert.is(r.output, b.output, `${r.phase}:${r.caseId}`);
    assert.equal(r.usage, b.usage, `${r.caseId} usage`);
    compared++;
  }
  assert.is(compared, faulted.responses.length - 3);
});

test('failed calls are never scored as answers: only their success-rate row, which counts them', () => {
  const failed = new Set(faulted.responses.filter((r) => r.status === 'error' && r.phase === 'main').map((r) => r.caseId));
  assert.is(failed.size, 3);
  for (const id of failed) {
    const rows = faulted.scores.filter((x) => x.caseId === id);
    assert.equal(rows.map((x) => [x.indicator, x.value]), [['operations.availability.success-rate', 0]], id);
  }
  const sr = faulted.scorecard.indicators.find((i: { id: string }) => i.id === 'operations.availability.success-rate');
  assert.is(sr.n, 30);
  assert.ok(Math.abs(sr.value - 27 / 30) < 1e-12, `success rate ${sr.value}`);
  // Every other case's score rows are those of the fault-free run (latency text aside; the footprint
  // rows quote the measured time to open the endpoint).
  const key = (x: Score) => JSON.stringify({ ...x, reason: x.indicator === 'operations.latency.e2e-slo' ? '' : x.reason });
  const kept = (x: Score) => !failed.has(x.caseId) && !x.caseId.startsWith('group:') && !x.caseId.startsWith('footprint:');
  const baseRows = base.scores.filter(kept).map(key);
  const rows = faulted.scores.filter(kept).map(key);
  assert.equal(rows, baseRows);
});

test('the manifest states the run total of retries', () => {
  const retries = faulted.manifest.predicate.facts.retries;
  assert.is(retries.retriedCalls, 6);
  assert.ok(retries.extraAttempts === 9 || retries.extraAttempts === 10, JSON.stringify(retries));
  assert.equal(base.manifest.predicate.facts.retries, { retriedCalls: 0, extraAttempts: 0 });
});

test("more failed calls than the profile's max_error_rate: INVALID with the error-rate reason, exit 3", async () => {
  // Every third call is rejected at once (HTTP 400 is not retried): 10 of 30 main calls fail.
  proxy.setPlan((n) => (n % 3 === 0 ? { kind: 'status', status: 400, message: 'rejected by the upstream filter' } : undefined));
  const r = await runVia('invalid');
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stdout, /INVALID/);
  const b = bundle('invalid');
  assert.is(b.scorecard.validity.valid, false);
  assert.is(b.scorecard.counts.errors, 10);
  assert.ok(
    b.scorecard.validity.reasons.includes(`error rate 33.3% exceeds the profile's maximum ${(100 * MAX_ERROR_RATE).toFixed(1)}%`),
    JSON.stringify(b.scorecard.validity.reasons),
  );
  assert.ok(b.scorecard.validity.details.some((d: { code: string }) => d.code === 'error-rate'));
  const errs = b.responses.filter((x): x is Err => x.status === 'error');
  assert.ok(errs.every((x) => /HTTP 400 \(rejected by the upstream filter\)/.test(x.error.message)));
  const failedMain = new Set(errs.filter((x) => x.phase === 'main').map((x) => x.caseId));
  assert.is(failedMain.size, 10);
  assert.ok(b.scores.every((x) => !failedMain.has(x.caseId) || x.indicator === 'operations.availability.success-rate'));
});

test.run();
