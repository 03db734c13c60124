import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { auditChecks } from '../../src/metrics/audit.ts';
import { loadProfile } from '../../src/suites/profile.ts';
import type { Profile, ResponseRecord } from '../../src/core/types.ts';

let profile: Profile;
test.before(async () => {
  profile = await loadProfile('certification');
});

const rec = (caseId: string, phase: 'main' | 'repeat', output: string, latencyMs: number): ResponseRecord => ({
  caseId,
  phase,
  status: 'ok',
  output,
  timing: { startedAt: '2026-01-01T00:00:00.000Z', latencyMs },
});

function run(n: number, firstMs: (i: number) => number, repeatMs: (i: number) => number, changed = 0): ResponseRecord[] {
  const out: ResponseRecord[] = [];
  for (let i = 0; i < n; i++) out.push(rec(`c${i}`, 'main', `answer ${i}`, firstMs(i)));
  for (let i = 0; i < n; i++) out.push(rec(`c${i}`, 'repeat', i < changed ? `other ${i}` : `answer ${i}`, repeatMs(i)));
  return out;
}

const check = (r: ReturnType<typeof auditChecks>, id: string) => r.checks.find((c) => c.id === id)!;

test('consistent and not cached: both checks pass', () => {
  const r = auditChecks(run(20, () => 120, () => 115), profile);
  assert.ok(check(r, 'audit-consistency').passed);
  assert.ok(check(r, 'audit-caching').passed);
  assert.equal(r.failures, []);
});

test('answers that change when re-asked fail consistency below the profile minimum', () => {
  const r = auditChecks(run(20, () => 120, () => 118, 2), profile);
  assert.not.ok(check(r, 'audit-consistency').passed);
  assert.match(r.failures[0].reason, /18 of 20 re-asked cases answered as the first time \(90\.0%, minimum 95%\)/);
  assert.is(r.failures[0].detail.code, 'audit-consistency');
  assert.ok(auditChecks(run(20, () => 120, () => 118, 1), profile).checks.find((c) => c.id === 'audit-consistency')!.passed, '95% is enough');
});

test('re-asked calls markedly faster than first asked look cached', () => {
  const r = auditChecks(run(20, (i) => 300 + i, () => 20), profile);
  assert.not.ok(check(r, 'audit-caching').passed);
  assert.match(r.failures.map((f) => f.reason).join('\n'), /answers look cached .*\× faster, maximum 5×/);
  assert.ok(check(auditChecks(run(20, () => 200, () => 110), profile), 'audit-caching').passed, '1.8× is within 5×');
});

test('fast models are not judged for caching (timing noise decides below the floor)', () => {
  const c = check(auditChecks(run(20, () => 5, () => 1), profile), 'audit-caching');
  assert.ok(c.passed);
  assert.match(c.message, /^not judged: first-call median 5\.00 ms is below 50 ms/);
});

test('errored calls are left out of the comparison', () => {
  const rs = run(10, () => 120, () => 120);
  rs[10] = { caseId: 'c0', phase: 'repeat', status: 'error', error: { kind: 'timeout', message: 'x' }, timing: { startedAt: '', latencyMs: 1 } };
  assert.match(check(auditChecks(rs, profile), 'audit-consistency').message, /^9 of 9 re-asked/);
});

test.run();
