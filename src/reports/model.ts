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
  heat?: HeatMap;
  /** Sorted latencies (ms) for the distribution chart. */
  latency?: number[];
  /** The run's rows, for scores.csv. */
  rows?: { cases: Case[]; scores: Score[]; responses: ResponseRecord[] };
}

/** Mean score per scenario × indicator (the cases' own indicators), for the heat map. */
export interface HeatMap {
  scenarios: { id: string; name: { zh: string; en: string } }[];
  indicators: string[];
  /** cells[scenario][indicator] = { value 0..1, n } or null when no case. */
  cells: ({ value: number; n: number } | null)[][];
}

/** Builds the heat map from cases and their task scores. */
export function heatMap(scenarios: HeatMap['scenarios'], cases: Case[], scores: Iterable<Score>): HeatMap {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const sums = new Map<string, { sum: number; n: number }>();
  const indicators = new Set<string>();
  for (const s of scores) {
    const c = byId.get(s.caseId);
    if (!c || s.indicator !== c.indicator) continue;
    indicators.add(c.indicator);
    const k = `${c.scenario}\u0000${c.indicator}`;
    const cell = sums.get(k) ?? { sum: 0, n: 0 };
    cell.sum += s.value;
    cell.n++;
    sums.set(k, cell);
  }
  const inds = [...indicators].sort();
  return {
    scenarios,
    indicators: inds,
    cells: scenarios.map((sc) =>
      inds.map((i) => {
        const c = sums.get(`${sc.id}\u0000${i}`);
        return c ? { value: c.sum / c.n, n: c.n } : null;
      }),
    ),
  };
}

/** Sorted end-to-end latencies (ms) of successful main calls, thinned to at most `max` points. */
export function latencyPoints(responses: Iterable<ResponseRecord>, max = 200): number[] {
  const lat: number[] = [];
  for (const r of responses) if (r.phase === 'main' && r.status === 'ok') lat.push(r.timing.latencyMs);
  lat.sort((a, b) => a - b);
  if (lat.length <= max) return lat;
  return Array.from({ length: max }, (_, i) => lat[Math.round((i * (lat.length - 1)) / (max - 1))]);
}

/** Everything a report is rendered from, built once from the bundle's data. */
export function reportInput(args: {
  scorecard: Scorecard;
  facts: RunFacts;
  cases: Case[];
  scores: Score[];
  responses: ResponseRecord[];
  scenarios: HeatMap['scenarios'];
  lang: 'zh' | 'en';
  evidence?: { id: string; name: { zh: string; en: string } }[];
}): ReportInput {
  return {
    scorecard: args.scorecard,
    facts: args.facts,
    failing: failingCases(args.cases, args.scores, args.responses),
    lang: args.lang,
    heat: heatMap(args.scenarios, args.cases, args.scores),
    latency: latencyPoints(args.responses),
    rows: { cases: args.cases, scores: args.scores, responses: args.responses },
  };
}
