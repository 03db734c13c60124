import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { contentSecurityPolicy } from './html.ts';
import type { Bilingual, DimensionId, LevelId } from '../core/types.ts';

/** One run in a comparison. */
export interface CompareRun {
  label: string;
  model: string;
  overall: number | null;
  grade: LevelId | null;
  valid: boolean;
}

/** A figure across runs, with each later run's paired test against the first (the baseline). */
export interface CompareRow {
  id: string;
  name: Bilingual;
  dimension?: DimensionId;
  /** Per run, 0..1 (indicators) or 0..100 (dimensions); null when not measured. */
  values: (number | null)[];
  /** Per later run: difference to the baseline, paired p-value and test, shared cases. */
  tests: ({ diff: number; p: number; n: number; method: string; ci95: [number, number] } | null)[];
}

/** A case whose pass/fail changed between the baseline and a later run. */
export interface FlippedCase {
  run: number;
  caseId: string;
  indicator: string;
  direction: 'regressed' | 'fixed';
  input: string;
  before: string;
  after: string;
}

export interface CompareView {
  lang: 'zh' | 'en';
  suite: { id: string; version: string; digest: string };
  forced: boolean;
  runs: CompareRun[];
  dimensions: CompareRow[];
  indicators: CompareRow[];
  flipped: FlippedCase[];
  flippedMore: number;
}

const LABELS = {
  zh: { title: '评测结果对比', baseline: '基线', dimensions: '维度', indicators: '指标', flipped: '结果翻转的用例', regressed: '退步', fixed: '改进', input: '输入', before: '基线输出', after: '对比输出', p: 'p 值', diff: '差值', forced: '已强制比较不同摘要的套件', more: '另有 {n} 条未列出', none: '没有翻转的用例', valid: '有效', invalid: '无效', run: '运行', overall: '综合', level: '等级', n: '共同用例' },
  en: { title: 'Run comparison', baseline: 'baseline', dimensions: 'Dimensions', indicators: 'Indicators', flipped: 'Cases that flipped', regressed: 'regressed', fixed: 'fixed', input: 'Input', before: 'Baseline output', after: 'Compared output', p: 'p', diff: 'diff', forced: 'comparison forced across different suite digests', more: '{n} more not listed', none: 'No case flipped', valid: 'VALID', invalid: 'INVALID', run: 'Run', overall: 'Overall', level: 'Level', n: 'shared cases' },
} as const;

const hb = Handlebars.create();
const TEMPLATE = hb.compile(readFileSync(new URL('../../src/reports/templates/compare.hbs', import.meta.url), 'utf8'), { noEscape: false });
const RUNTIME: Handlebars.RuntimeOptions = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

const fmt = (v: number | null, scale: 1 | 100) => (v === null ? '—' : scale === 1 ? `${(100 * v).toFixed(1)}%` : v.toFixed(1));
const signed = (v: number, scale: 1 | 100) => `${v >= 0 ? '+' : '−'}${Math.abs(scale === 1 ? 100 * v : v).toFixed(1)}`;

function rows(list: CompareRow[], lang: 'zh' | 'en', scale: 1 | 100) {
  return list.map((r) => ({
    id: r.id,
    name: r.name[lang],
    values: r.values.map((v) => fmt(v, scale)),
    tests: r.tests.map((t) =>
      t === null
        ? { shown: false }
        : { shown: true, diff: signed(t.diff, scale), p: t.p < 0.001 ? '<0.001' : t.p.toFixed(3), significant: t.p < 0.05, worse: t.diff < 0, n: t.n, method: t.method },
    ),
  }));
}

/** Renders the comparison as one self-contained HTML file (escaped text only, CSP as the scorecard). */
export function renderCompareHtml(v: CompareView): string {
  const m = LABELS[v.lang];
  const html = TEMPLATE(
    {
      lang: v.lang,
      m,
      suite: v.suite,
      forced: v.forced,
      runs: v.runs.map((r, i) => ({ ...r, baseline: i === 0, overall: r.overall === null ? '—' : r.overall.toFixed(1), grade: r.grade ?? '—' })),
      later: v.runs.slice(1).map((r) => r.label),
      dimensions: rows(v.dimensions, v.lang, 100),
      indicators: rows(v.indicators, v.lang, 1),
      flipped: v.flipped.map((f) => ({ ...f, label: v.runs[f.run].label, regressed: f.direction === 'regressed' })),
      more: v.flippedMore ? m.more.replace('{n}', String(v.flippedMore)) : '',
    },
    RUNTIME,
  );
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
  return html.replace('__CSP__', contentSecurityPolicy(style));
}
