import { scorers } from './index.ts';
import { groupScores } from './groups.ts';
import type { Case, Profile, ResponseRecord, Score } from '../core/types.ts';

/** Item ids of the measurements derived from the whole run rather than from a case's task. */
export const DERIVED = {
  successRate: 'operations.availability.success-rate',
  latencySlo: 'operations.latency.e2e-slo',
  extractability: 'capability.maturity.extractability',
  determinism: 'development.management.determinism',
  scenarios: 'application.richness.scenarios',
} as const;

/**
 * Scores every recorded response: the case's own scorer for answers, plus the per-call
 * measurements (success, latency against the SLO, extractability, determinism of re-asked cases).
 * Errored calls are never scored as wrong answers: they only count against success rate.
 * The result is in suite case order, whatever order the responses arrived in.
 */
export function scoreRun(cases: Case[], responses: ResponseRecord[], profile: Profile): Score[] {
  const main = new Map<string, ResponseRecord>();
  const repeats = new Map<string, ResponseRecord[]>();
  for (const r of responses) {
    if (r.phase === 'repeat') {
      const list = repeats.get(r.caseId) ?? [];
      list.push(r);
      repeats.set(r.caseId, list);
    } else main.set(r.caseId, r);
  }
  const out: Score[] = [];
  const inGroup = groupMembers(cases);
  const groupCases: Case[] = [];
  const groupTask: Score[] = [];
  for (const c of cases) {
    const r = main.get(c.id);
    if (!r) continue;
    const from = out.length;
    scoreCase(c, r, repeats.get(c.id), profile, out);
    if (!inGroup(c)) continue;
    groupCases.push(c);
    for (let k = from; k < out.length; k++) if (out[k].indicator === c.indicator) groupTask.push(out[k]);
  }
  // Group-level rows (counterfactual groups, perturbed variants against their base), after the cases.
  out.push(...groupScores(groupCases, groupTask));
  return out;
}

/**
 * The cases group rows can be derived from: in a counterfactual group, a variant, or some variant's
 * base. groupScores over these cases and their task scores gives what it gives over all of them.
 */
export function groupMembers(cases: readonly Case[]): (c: Case) => boolean {
  const bases = new Set<string>();
  for (const c of cases) if (typeof c.meta?.base === 'string') bases.add(c.meta.base);
  return (c) => c.meta?.group !== undefined || c.meta?.base !== undefined || bases.has(c.id);
}

/**
 * The score rows of one answered case, appended to `out` in scoreRun's order: success, the task
 * score and the per-call measurements, then one determinism row per re-ask (`repeats`, in order).
 */
export function scoreCase(c: Case, r: ResponseRecord, repeats: readonly ResponseRecord[] | undefined, profile: Profile, out: Score[]): void {
  out.push({
    caseId: c.id,
    indicator: DERIVED.successRate,
    value: r.status === 'ok' ? 1 : 0,
    pass: r.status === 'ok',
    reason: r.status === 'ok' ? 'answered' : `${r.error.kind}: ${r.error.message}`,
  });
  if (r.status !== 'ok') return;
  const s = scorers.get(c.task).score(c, r);
  out.push(s);
  const within = r.timing.latencyMs <= profile.slo.e2e_ms;
  out.push({
    caseId: c.id,
    indicator: DERIVED.latencySlo,
    value: within ? 1 : 0,
    pass: within,
    reason: `${r.timing.latencyMs} ms ${within ? '≤' : '>'} ${profile.slo.e2e_ms} ms`,
  });
  if (c.task === 'choice' && s.extra && 'extractable' in s.extra) {
    const ok = s.extra.extractable === 1;
    out.push({ caseId: c.id, indicator: DERIVED.extractability, value: ok ? 1 : 0, pass: ok, reason: ok ? 'one option named' : 'no single option named' });
  }
  for (const rep of repeats ?? []) {
    const same = rep.status === 'ok' && rep.output === r.output;
    out.push({
      caseId: c.id,
      indicator: DERIVED.determinism,
      value: same ? 1 : 0,
      pass: same,
      reason: rep.status !== 'ok' ? 're-ask failed' : same ? 'identical output when re-asked' : 'different output when re-asked',
    });
  }
}
