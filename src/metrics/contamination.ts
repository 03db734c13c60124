import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Case } from '../core/types.ts';

/**
 * Train/test contamination: n-gram overlap between a training-data corpus and a suite's cases.
 *
 * - Chinese cases (`lang: zh`): character n-grams (default 8) of the text after NFKC folding and with
 *   whitespace and punctuation (Unicode P, S, Z classes) removed.
 * - English cases: word n-grams (default 13) of the lower-cased NFKC text split into letter/digit words.
 * - A case's n-grams are taken field by field (input, each choice, each expected answer), so the
 *   formatting between fields in the training data does not matter; a field shorter than n units
 *   contributes none. A case with no n-gram at all has overlap 0 (reported as `grams: 0`).
 * - overlap = share of the case's distinct n-grams found anywhere in the training data; the case is
 *   contaminated when overlap ≥ threshold (default 0.5). The overall figure is the share of
 *   contaminated cases.
 *
 * Memory is bounded by the suite, not by the corpus: the cases' n-grams are hashed (two 32-bit FNV-1a
 * hashes folded into one 53-bit safe integer, no BigInt) into a Map, then the training text is
 * streamed line by line and each of its n-grams is looked up; nothing of the corpus is kept.
 * A training line that parses as a JSON record contributes its text fields (see `recordTexts`);
 * any other line contributes itself.
 */

export interface ContaminationOptions {
  /** Character n-gram length for Chinese (default 8). */
  zhN?: number;
  /** Word n-gram length for English (default 13). */
  enN?: number;
  /** A case is contaminated when its overlap ≥ threshold (default 0.5). */
  threshold?: number;
}

export interface CaseContamination {
  caseId: string;
  /** Distinct n-grams of the case. */
  grams: number;
  /** Of those, found in the training data. */
  found: number;
  /** found / grams (0 when grams is 0). */
  overlap: number;
  contaminated: boolean;
}

export interface ContaminationResult {
  options: Required<ContaminationOptions>;
  cases: CaseContamination[];
  contaminated: number;
  /** Share of contaminated cases (0 when there is no case). */
  share: number;
  /** Training lines read. */
  lines: number;
}

export const CONTAMINATION_DEFAULTS: Required<ContaminationOptions> = { zhN: 8, enN: 13, threshold: 0.5 };

/** FNV-1a 32-bit over UTF-16 code units, from a given offset basis. */
function fnv1a(s: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Two 32-bit FNV-1a hashes (different offset bases) folded into one 53-bit safe integer. */
export function hash53(s: string): number {
  const a = fnv1a(s, 0x811c9dc5);
  const b = fnv1a(s, 0x050c5d1f);
  return a * 0x200000 + (b & 0x1fffff);
}

const STRIP = /[\p{P}\p{S}\p{Z}\s]/gu;

/** Characters of a Chinese text as n-gram units: NFKC, whitespace and punctuation removed. */
export function zhUnits(text: string): string[] {
  return Array.from(text.normalize('NFKC').replace(STRIP, ''));
}

/** Words of an English text as n-gram units: NFKC, lower-cased, runs of letters and digits. */
export function enUnits(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Hashes of the n-grams of a unit sequence (`tag` keeps zh and en grams apart). */
function gramHashes(units: string[], n: number, tag: string, out: (h: number) => void): void {
  const sep = tag === 'en' ? ' ' : '';
  for (let i = 0; i + n <= units.length; i++) out(hash53(tag + '\u0001' + units.slice(i, i + n).join(sep)));
}

/** The text fields of a case that count: input, choices, expected. */
export function caseTexts(c: Case): string[] {
  const out = [c.input];
  if (c.choices) out.push(...c.choices);
  if (typeof c.expected === 'string') out.push(c.expected);
  else if (Array.isArray(c.expected)) out.push(...c.expected);
  return out.filter((t): t is string => typeof t === 'string' && t.length > 0);
}

/** The text fields of a training record (any of the accepted fine-tuning shapes; else every string value). */
export function recordTexts(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (!v || typeof v !== 'object') return [];
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.messages)) return o.messages.map((m) => (m && typeof m === 'object' && typeof (m as any).content === 'string' ? (m as any).content : '')).filter(Boolean);
  const out: string[] = [];
  for (const val of Object.values(o)) {
    if (typeof val === 'string') out.push(val);
    else if (Array.isArray(val)) out.push(...val.filter((x): x is string => typeof x === 'string'));
  }
  return out;
}

/** Incremental contamination check: add training text, then read the per-case result. */
export class ContaminationIndex {
  readonly options: Required<ContaminationOptions>;
  private readonly caseGrams = new Map<string, number[]>();
  /** Every case n-gram hash → whether it was seen in the training data. */
  private readonly grams = new Map<number, boolean>();
  private readonly kinds = new Set<'zh' | 'en'>();
  private lineCount = 0;

  constructor(cases: readonly Case[], options: ContaminationOptions = {}) {
    this.options = { ...CONTAMINATION_DEFAULTS, ...options };
    for (const c of cases) {
      const set = new Set<number>();
      const zh = c.lang === 'zh';
      this.kinds.add(zh ? 'zh' : 'en');
      for (const t of caseTexts(c)) {
        if (zh) gramHashes(zhUnits(t), this.options.zhN, 'zh', (h) => set.add(h));
        else gramHashes(enUnits(t), this.options.enN, 'en', (h) => set.add(h));
      }
      const list = [...set];
      this.caseGrams.set(c.id, list);
      for (const h of list) this.grams.set(h, false);
    }
  }

  /** Adds one piece of training text. */
  addText(text: string): void {
    if (this.kinds.has('zh')) gramHashes(zhUnits(text), this.options.zhN, 'zh', (h) => this.mark(h));
    if (this.kinds.has('en')) gramHashes(enUnits(text), this.options.enN, 'en', (h) => this.mark(h));
  }

  /** Adds one training-file line: a JSON record's text fields, or the line itself. */
  addLine(line: string): void {
    this.lineCount++;
    if (line.trim() === '') return;
    let texts: string[];
    try {
      texts = recordTexts(JSON.parse(line));
    } catch {
      texts = [line];
    }
    for (const t of texts) this.addText(t);
  }

  private mark(h: number): void {
    if (this.grams.has(h)) this.grams.set(h, true);
  }

  result(): ContaminationResult {
    const cases: CaseContamination[] = [];
    for (const [caseId, list] of this.caseGrams) {
      const found = list.filter((h) => this.grams.get(h)).length;
      const overlap = list.length ? found / list.length : 0;
      cases.push({ caseId, grams: list.length, found, overlap, contaminated: list.length > 0 && overlap >= this.options.threshold });
    }
    const contaminated = cases.filter((c) => c.contaminated).length;
    return { options: this.options, cases, contaminated, share: cases.length ? contaminated / cases.length : 0, lines: this.lineCount };
  }
}

/** Contamination of `cases` by an in-memory training corpus (one string per line or record). */
export function contaminationOf(cases: readonly Case[], training: Iterable<string>, options: ContaminationOptions = {}): ContaminationResult {
  const idx = new ContaminationIndex(cases, options);
  for (const line of training) idx.addLine(line);
  return idx.result();
}

/** Contamination of `cases` by a training file, streamed line by line. */
export async function contaminationOfFile(cases: readonly Case[], file: string, options: ContaminationOptions = {}): Promise<ContaminationResult> {
  const idx = new ContaminationIndex(cases, options);
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) idx.addLine(line);
  return idx.result();
}
