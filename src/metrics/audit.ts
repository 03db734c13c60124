import { median } from './stats.ts';
import type { Profile, ResponseRecord, ValidityCheck, ValidityDetail } from '../core/types.ts';


/** Outcome of the audit checks, in the spirit of MLPerf's compliance tests. */
export interface AuditResult {
  checks: ValidityCheck[];
  failures: { reason: string; detail: ValidityDetail }[];
}

/**
 * Audit checks on the re-asked sample (the `repeat` phase, greedy decoding):
 * - consistency: the share of re-asked cases answered exactly as the first time must reach
 *   `profile.audit.min_consistency` (answers that depend on load, or on being asked first, fail it);
 * - caching: the re-asked calls must not be markedly faster than the same cases first asked —
 *   median(repeat) / median(first) below `1 / max_speedup` (default 5×: a cached answer table is
 *   tens of times faster, while load and warm-up move medians by less) suggests an answer cache.
 *   Judged only when the first calls' median is at least `min_latency_ms` (default 50 ms; below
 *   that, timing noise and warm-up decide, not caching; the check then passes with "not judged").
 *   Pairs with a retried call (`attempts` > 1: its latency includes the backoff) are left out.
 */
export function auditChecks(responses: Iterable<ResponseRecord>, profile: Profile): AuditResult {
  const audit = profile.audit;
  // Two passes, so that only the first answers of re-asked cases are held (not a whole run's).
  const repeats: ResponseRecord[] = [];
  for (const r of responses) if (r.phase === 'repeat') repeats.push(r);
  const asked = new Set(repeats.map((r) => r.caseId));
  const first = new Map<string, ResponseRecord>();
  for (const r of responses) if (r.phase !== 'repeat' && asked.has(r.caseId)) first.set(r.caseId, r);
  const pairs = repeats
    .map((r) => ({ r, f: first.get(r.caseId) }))
    .filter((p): p is { r: ResponseRecord; f: ResponseRecord } => p.f !== undefined && p.f.status === 'ok' && p.r.status === 'ok');
  const checks: ValidityCheck[] = [];
  const failures: AuditResult['failures'] = [];
  if (pairs.length === 0) {
    checks.push({ id: 'audit-consistency', passed: true, message: 'no re-asked case (profile determinism.repeats = 0)' });
    return { checks, failures };
  }
  const same = pairs.filter((p) => p.r.status === 'ok' && p.f.status === 'ok' && p.r.output === p.f.output).length;
  const share = same / pairs.length;
  const consistent = share >= audit.min_consistency;
  const cmsg = `${same} of ${pairs.length} re-asked cases answered as the first time (${(100 * share).toFixed(1)}%, minimum ${(100 * audit.min_consistency).toFixed(0)}%)`;
  checks.push({ id: 'audit-consistency', passed: consistent, message: cmsg });
  if (!consistent) failures.push({ reason: `audit: ${cmsg}`, detail: { code: 'audit-consistency', share, min: audit.min_consistency } });

  // Calls that were retried carry their backoff in their latency: only first-attempt calls are timed.
  const once = (r: ResponseRecord) => r.status !== 'ok' || (r.attempts ?? 1) === 1;
  const timed = pairs.filter((p) => once(p.f) && once(p.r));
  if (timed.length === 0) {
    checks.push({ id: 'audit-caching', passed: true, message: 'not judged: every re-asked pair had a retried call' });
    return { checks, failures };
  }
  const firstMedian = median(timed.map((p) => p.f.timing.latencyMs));
  const repeatMedian = median(timed.map((p) => p.r.timing.latencyMs));
  if (firstMedian < audit.min_latency_ms) {
    checks.push({ id: 'audit-caching', passed: true, message: `not judged: first-call median ${firstMedian.toFixed(2)} ms is below ${audit.min_latency_ms} ms` });
  } else {
    const speedup = firstMedian / Math.max(1e-9, repeatMedian);
    const cached = speedup > audit.max_speedup;
    const msg = `re-asked median ${repeatMedian.toFixed(1)} ms vs first ${firstMedian.toFixed(1)} ms (${speedup.toFixed(2)}× faster, maximum ${audit.max_speedup}×)`;
    checks.push({ id: 'audit-caching', passed: !cached, message: msg });
    if (cached) failures.push({ reason: `audit: answers look cached — ${msg}`, detail: { code: 'audit-caching', speedup, max: audit.max_speedup } });
  }
  return { checks, failures };
}
