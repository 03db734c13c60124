import type { Case, ResponseRecord, Score, Scorecard } from '../core/types.ts';

/** Run facts recorded in the manifest and shown in reports. */
export interface RunFacts {
  harness: { name: string; version: string };
  startedAt: string;
  finishedAt: string;
  seed: number;
  environment: Record<string, string | number>;
  options: { requested: Record<string, unknown>; resolved: Record<string, unknown> };
  model: Record<string, unknown>;
}

/** One failing or errored case, as shown in reports (untrusted text: always escaped). */
export interface FailingCase {
  indicator: string;
  caseId: string;
  input: string;
  expected: string;
  output: string;
  reason: string;
}

/** Failing cases grouped by indicator, at most `perIndicator` each, with the count left out. */
export function failingCases(
  cases: Case[],
  scores: Score[],
  responses: ResponseRecord[],
  perIndicator = 20,
): { indicator: string; shown: FailingCase[]; more: number }[] {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const main = new Map(responses.filter((r) => r.phase === 'main').map((r) => [r.caseId, r]));
  const groups = new Map<string, { shown: FailingCase[]; more: number }>();
  const add = (indicator: string, fc: FailingCase) => {
    const g = groups.get(indicator) ?? { shown: [], more: 0 };
    if (g.shown.length < perIndicator) g.shown.push(fc);
    else g.more++;
    groups.set(indicator, g);
  };
  for (const s of scores) {
    const c = byId.get(s.caseId);
    if (!c || s.pass || s.indicator !== c.indicator) continue;
    const r = main.get(c.id);
    add(s.indicator, { indicator: s.indicator, caseId: c.id, input: c.input, expected: expectedText(c), output: r?.status === 'ok' ? r.output : '', reason: s.reason });
  }
  for (const r of main.values()) {
    if (r.status !== 'error') continue;
    const c = byId.get(r.caseId);
    if (!c) continue;
    add('errors', { indicator: 'errors', caseId: c.id, input: c.input, expected: expectedText(c), output: '', reason: `${r.error.kind}: ${r.error.message}` });
  }
  return [...groups].map(([indicator, g]) => ({ indicator, ...g }));
}

function expectedText(c: Case): string {
  if (c.choices && c.answer !== undefined) return `${String.fromCharCode(65 + c.answer)}. ${c.choices[c.answer]}`;
  if (Array.isArray(c.expected)) return c.expected.join(' | ');
  return c.expected ?? '';
}

/** Everything a report is rendered from. */
export interface ReportInput {
  scorecard: Scorecard;
  facts: RunFacts;
  failing: ReturnType<typeof failingCases>;
  lang: 'zh' | 'en';
}
