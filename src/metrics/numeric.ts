import { defineScorer } from './scorer.ts';
import type { Case } from '../core/types.ts';

/**
 * Numeric answers: the number a reply gives, compared with the case's `expected` within a tolerance.
 *
 * Reading numbers (`extractNumbers`):
 * - full-width digits and signs are folded to ASCII ("１２３．５" = 123.5); a full-width comma counts as a
 *   thousands separator only between full-width digits ("１，２３４"), since "100，200" is a Chinese list;
 * - thousands separators: "1,234,567" and "1 234 567" (also no-break and thin spaces), groups of exactly
 *   three digits with the same separator throughout;
 * - signs: "-", "+", "−" (U+2212), "负", attached to the number ("100 - 30" is a difference, not −30);
 *   finance-style ASCII parentheses "(1,200)" = −1200 when the bracketed number has a thousands
 *   separator, a decimal part or a currency sign and is no percentage, or is the whole reply — so list
 *   markers "(1)", years "(2015)" and asides "(12.5%)" stay positive; full-width "（1,200）" is a Chinese
 *   aside and stays positive;
 * - currency symbols and codes (¥ $ € £ 元 RMB CNY USD US$ HK$ EUR GBP HKD…) are ignored: they never change the value;
 * - multipliers: 千 (not 千克/千米/千瓦…), 万, 十万, 百万, 千万, 亿, 十亿, 百亿, 千亿, 万亿, and the words
 *   thousand, million, billion, trillion, bn, mn: "3.5万" = 35000, "1.2亿" = 120000000;
 * - exponents "1.5e6"; percentages "12.5%", "12.5 个百分点", "百分之12.5", and per mille "‰".
 *
 * Which number is the answer (`extractAnswer`): each number is ranked by the words just before it.
 * A strong cue (答案, 结果, 答, 总计, 合计, 共计, answer, result, total) followed only by filler (是, 为, 约为, 约,
 * 大约, 等于, ":", "=", "≈", is, about, approximately, of, "**", quotes, `\boxed{`…) ranks highest; a weak cue
 * (为, 是, 约为, 等于, 得, ":", "=", "≈", is, are, was, equals, about, approximately…) next; any other number
 * last. The LAST number of the highest rank present wins ("答案约为 1,234.5 元。" → 1234.5; "100×12=1200，
 * 减去30得1170，所以答案是1170" → 1170).
 *
 * Percentages — the case's `unit` decides, never a guess:
 * - `unit: "%"`: `expected` is in percent ("12.5" or "12.5%" both mean 12.5 %). A reply number with a
 *   percent sign is read in percent ("12.5%" → 12.5; "125‰" → 12.5); a bare number is read both ways,
 *   as percent and as a fraction ("12.5" → 12.5, "0.125" → 12.5), and passes when either reading does.
 * - no `unit`: numbers are compared at face value and a percent sign is ignored ("12.5%" → 12.5), so
 *   "12.5%" never equals 0.125. An `expected` with a percent sign is refused by check() without `unit: "%"`.
 *
 * Tolerance: |reply − expected| ≤ max(tolerance, rel_tolerance × |expected|); with neither, a float
 * rounding allowance of 1e-9 × max(1, |expected|). `expected` may list several accepted values.
 */

/** One number read from text. */
export interface ExtractedNumber {
  /** The value with sign and multiplier applied (a percentage is the number before the % sign). */
  value: number;
  /** `%` for percent ("12.5%", "百分之12.5", "个百分点"), `‰` for per mille, null for a bare number. */
  percent: '%' | '‰' | null;
  /** 0: no cue; 1: after a weak cue ("为", "is", "="); 2: after a strong cue ("答案", "answer"). */
  rank: 0 | 1 | 2;
  /** Offsets of the number's text in the folded text. */
  start: number;
  end: number;
}

/**
 * Full-width forms folded to ASCII, except the full-width comma (a Chinese list separator) and the
 * full-width parentheses (a Chinese aside, never an accounting negative).
 */
export function foldNumberText(text: string): string {
  return text
    .replace(/(?<=[０-９])，(?=[０-９]{3}(?![０-９]))/g, ',')
    .replace(/[\uFF01-\uFF5E]/g, (ch) => ('，（）'.includes(ch) ? ch : String.fromCharCode(ch.charCodeAt(0) - 0xfee0)))
    .replace(/\u3000/g, ' ')
    .replace(/\u2212/g, '-')
    .replace(/\uFFE5/g, '¥')
    .replace(/\uFFE1/g, '£')
    .replace(/\uFFE0/g, '¢');
}

const CURRENCY = String.raw`(?:US\$|HK\$|NT\$|RMB|CNY|USD|EUR|GBP|HKD|JPY|[$¥€£])`;
const MULTIPLIERS: Record<string, number> = {
  千: 3, 万: 4, 十万: 5, 百万: 6, 千万: 7, 亿: 8, 十亿: 9, 百亿: 10, 千亿: 11, 万亿: 12,
  thousand: 3, million: 6, mn: 6, billion: 9, bn: 9, trillion: 12,
};
const NUMBER = new RegExp(
  String.raw`(?<![A-Za-z0-9_.])` +
    String.raw`(?:(?<open>\()\s*)?` +
    String.raw`(?<pct1>百分之)?` +
    String.raw`(?<sign1>[-+]|负)?` +
    String.raw`(?:(?<cur>${CURRENCY})\s*)?` +
    String.raw`(?<sign2>[-+])?` +
    String.raw`(?<num>(?<int>\d{1,3}(?<sep>[, \u00A0\u2009\u202F])\d{3}(?:\k<sep>\d{3})*(?!\d)|\d+)(?<frac>\.\d+)?|\.\d+)` +
    String.raw`(?:[eE](?<exp>[-+]?\d{1,3})(?![A-Za-z0-9]))?` +
    String.raw`(?:\s*(?<mult>万亿|千亿|百亿|十亿|千万|百万|十万|亿|万|千(?![克米瓦焦帕赫兆伏])|(?:thousand|million|billion|trillion|bn|mn)(?![A-Za-z])))?` +
    String.raw`(?:\s*(?<pct2>%|‰|个百分点|百分点))?` +
    String.raw`(?:\s*(?<close>\)))?`,
  'gi',
);

// Cue words just before a number. Strong cues name the answer; weak cues state a value; fillers may sit
// between either kind of cue and the number.
const STRONG_END = /(?:答案|结果|答|总计|合计|共计|总共|一共|\b(?:answer|result|total))\s*$/i;
const WEAK = String.raw`约为|应为|应该是|应当是|应是|为|是|等于|得到|得|大约|大概|约|[:：=≈~～]|\b(?:is|are|was|were|equals?|equal to|comes to|about|approximately|around|roughly)\b`;
const FILLER = String.raw`\s+|\*+|["“”'‘’「」『』(（\[]|\\boxed\{|\$|\b(?:of|to|be|will|would|should)\b|${WEAK}`;
const ONE_FILLER_AT_END = new RegExp(`(?:${FILLER})$`, 'i');
const WEAK_RE = new RegExp(WEAK, 'i');

function rankOf(before: string): 0 | 1 | 2 {
  // Fillers are peeled off the end one at a time (a single regex with a repeated alternation would
  // backtrack exponentially on long runs of fillers).
  let rest = before.slice(-48);
  let weak = false;
  for (let m = ONE_FILLER_AT_END.exec(rest); m && m[0].length > 0; m = ONE_FILLER_AT_END.exec(rest)) {
    if (WEAK_RE.test(m[0])) weak = true;
    rest = rest.slice(0, m.index);
  }
  if (STRONG_END.test(rest)) return 2;
  return weak ? 1 : 0;
}

/** Every number in the text, in order of appearance (text folded with `foldNumberText`). */
export function extractNumbers(text: string): ExtractedNumber[] {
  const t = foldNumberText(text);
  const out: ExtractedNumber[] = [];
  for (const m of t.matchAll(NUMBER)) {
    const g = m.groups!;
    const digits = (g.int !== undefined ? g.int.replace(/[^\d]/g, '') + (g.frac ?? '') : g.num).replace(/^\./, '0.');
    const grouped = g.sep !== undefined;
    const pow = (g.exp ? Number(g.exp) : 0) + (g.mult ? MULTIPLIERS[g.mult.toLowerCase()] : 0);
    let value = Number(`${digits}e${pow}`);
    if (!Number.isFinite(value)) continue;
    const explicitSign = g.sign1 ?? g.sign2;
    const whole = t.trim() === m[0].trim();
    const percent = g.pct2 === '‰' ? '‰' : g.pct1 || g.pct2 ? '%' : null;
    // "(1,200)" and "($500)" are accounting negatives; "(1)", "(2015)" and "(12.5%)" are not, unless alone.
    const accounting = g.open !== undefined && g.close !== undefined && !explicitSign && (whole || (!percent && (grouped || g.frac !== undefined || g.cur !== undefined)));
    if (explicitSign === '-' || explicitSign === '负' || accounting) value = -value;
    if (value === 0) value = 0; // no -0
    const start = m.index! + (g.open && !accounting ? m[0].indexOf('(') + 1 : 0);
    out.push({ value, percent, rank: rankOf(t.slice(0, start)), start, end: m.index! + m[0].length });
  }
  return out;
}

/** The number the reply gives as its answer (see the module comment), or null when it states none. */
export function extractAnswer(text: string): ExtractedNumber | null {
  const nums = extractNumbers(text);
  if (nums.length === 0) return null;
  const top = Math.max(...nums.map((n) => n.rank));
  return nums.filter((n) => n.rank === top).at(-1)!;
}

/** The readings of a reply number in the case's unit (see the module comment). */
export function readings(n: ExtractedNumber, unit: '%' | undefined): number[] {
  if (unit !== '%') return [n.value];
  if (n.percent === '%') return [n.value];
  if (n.percent === '‰') return [n.value / 10];
  return [n.value, n.value * 100];
}

/** True when `x` is within the case's tolerance of `expected`. */
export function withinTolerance(x: number, expected: number, tolerance?: number, relTolerance?: number): boolean {
  const allowed = Math.max(tolerance ?? 0, (relTolerance ?? 0) * Math.abs(expected), 1e-9 * Math.max(1, Math.abs(expected)));
  return Math.abs(x - expected) <= allowed;
}

function expectedList(c: Case): string[] {
  return c.expected === undefined ? [] : Array.isArray(c.expected) ? c.expected : [c.expected];
}

/** The accepted values of a numeric case (in percent when `unit` is "%"); entries without a number are skipped. */
export function expectedValues(c: Case): number[] {
  return expectedList(c).flatMap((e) => extractNumbers(e).slice(0, 1).map((n) => n.value));
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(12)));
}

function isNonNegative(x: unknown): boolean {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

export const numeric = defineScorer({
  id: 'numeric',
  check(c: Case) {
    const list = expectedList(c);
    if (list.length === 0) return { field: 'expected', message: 'a numeric case needs "expected" (a number as text, e.g. "1234.5" or "3.5万")' };
    for (const e of list) {
      const nums = extractNumbers(e);
      if (nums.length === 0) return { field: 'expected', message: `expected ${JSON.stringify(e)} holds no number` };
      if (nums.length > 1) return { field: 'expected', message: `expected ${JSON.stringify(e)} holds ${nums.length} numbers; give one per entry` };
      if (nums[0].percent && c.unit !== '%') return { field: 'unit', message: `expected ${JSON.stringify(e)} is a percentage: set "unit": "%"` };
      if (nums[0].percent === '‰') return { field: 'expected', message: `expected ${JSON.stringify(e)}: give a percentage in percent, not per mille` };
    }
    if (c.unit !== undefined && c.unit !== '%') return { field: 'unit', message: `unit must be "%" (got ${JSON.stringify(c.unit)})` };
    if (c.tolerance !== undefined && !isNonNegative(c.tolerance)) return { field: 'tolerance', message: 'tolerance must be a number ≥ 0' };
    if (c.rel_tolerance !== undefined && !isNonNegative(c.rel_tolerance)) return { field: 'rel_tolerance', message: 'rel_tolerance must be a number ≥ 0' };
    return undefined;
  },
  request: () => ({ maxTokens: 256 }),
  score(c, reply) {
    const want = expectedValues(c);
    const pct = c.unit === '%' ? '%' : '';
    const tol = [c.tolerance !== undefined ? `±${fmt(c.tolerance)}` : '', c.rel_tolerance !== undefined ? `±${fmt(c.rel_tolerance * 100)}% rel.` : '']
      .filter(Boolean)
      .join(' or ');
    const wantText = `${want.map((w) => fmt(w) + pct).join(' or ')}${tol ? ` (${tol})` : ''}`;
    const got = extractAnswer(reply.output);
    if (!got) {
      return { caseId: c.id, indicator: c.indicator, value: 0, pass: false, reason: `no number found in the reply; expected ${wantText}`, extra: { extracted: null, extractable: 0 } };
    }
    const reads = readings(got, c.unit);
    const hit = reads.find((x) => want.some((w) => withinTolerance(x, w, c.tolerance, c.rel_tolerance)));
    const ok = hit !== undefined;
    const shown = got.percent ? `${fmt(got.value)}${got.percent}` : fmt(got.value);
    const how = ok && c.unit === '%' && !got.percent && hit !== got.value ? ` (read as ${fmt(hit)}%)` : '';
    return {
      caseId: c.id,
      indicator: c.indicator,
      value: ok ? 1 : 0,
      pass: ok,
      reason: `extracted ${shown}${how}, expected ${wantText}`,
      extra: { extracted: got.value, extractable: 1 },
    };
  },
});
