import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { findPii } from './pii.ts';

/**
 * Quality audit of a vendor's JSONL fine-tuning file.
 *
 * Record shapes (the file's format is the shape most of its records have; ties in this order):
 * `messages` ({"messages":[{role,content}]}), `instruction` ({"instruction","input"?,"output"}),
 * `prompt` ({"prompt","completion"}), `text` ({"text"}). A record's text is its fields joined by "\n".
 *
 * Every non-blank line is one record, and falls in exactly one class, the first that applies:
 * - `invalid`: not JSON (the line and the parser's message are reported), not an object, or lacking
 *   the fields of the file's format (named);
 * - `empty`: its text is empty or only whitespace;
 * - `duplicate`: its normalised text (NFKC, lower case, whitespace collapsed) equals an earlier record's;
 * - `near-duplicate`: Jaccard similarity ≥ 0.8 of its character 5-shingles with an earlier record's
 *   (candidates from MinHash, 64 seeded hash functions, LSH 16 bands × 4 rows; every candidate pair is
 *   confirmed on the exact shingle sets);
 * - `pii`: findPii finds personal information in its text;
 * - `clean`.
 * Quality value = clean records / records = 1 − share of records that are invalid, empty, duplicates,
 * near duplicates or carry PII. Label balance (`label` or `category` field: normalised entropy and the
 * largest class share) is reported but does not enter the value: it is a property of the file, not of
 * a record. PII density = findPii hits per 1,000 characters of record text.
 */

export type RecordClass = 'invalid' | 'empty' | 'duplicate' | 'near-duplicate' | 'pii' | 'clean';
export type RecordFormat = 'messages' | 'instruction' | 'prompt' | 'text';

export interface InvalidLine {
  line: number;
  reason: string;
}

export interface LabelBalance {
  field: 'label' | 'category';
  classes: number;
  /** Records with a label. */
  labelled: number;
  /** Shannon entropy / log(classes) (0 with a single class). */
  entropyRatio: number;
  /** Share of the largest class among labelled records. */
  largestShare: number;
  largestClass: string;
}

export interface DataQualityReport {
  format: RecordFormat | null;
  /** Non-blank lines. */
  records: number;
  counts: Record<RecordClass, number>;
  shares: Record<RecordClass, number>;
  /** Confirmed near-duplicate pairs (1-based line numbers, earlier first). */
  nearPairs: Array<[number, number]>;
  invalidLines: InvalidLine[];
  pii: { hits: number; chars: number; perThousandChars: number; recordsWithPii: number; recordShare: number };
  labels: LabelBalance | null;
  /** 1 − share of records not clean; 1 when there is no record. */
  value: number;
}

export const NEAR = { shingle: 5, permutations: 64, bands: 16, rows: 4, jaccard: 0.8 } as const;

/** Text normalised for duplicate detection: NFKC, lower case, whitespace collapsed, trimmed. */
export function normaliseText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function fnv32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** murmur3 finaliser: a good 32-bit mixer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Seeds of the 64 MinHash functions (fixed, so results are reproducible). */
const SEEDS = Array.from({ length: NEAR.permutations }, (_, i) => fmix32((i + 1) * 0x9e3779b9));

/** Distinct character 5-shingle hashes of a normalised text, sorted (a shorter text is one shingle). */
export function shingles(norm: string, k: number = NEAR.shingle): Uint32Array {
  const chars = Array.from(norm);
  const set = new Set<number>();
  if (chars.length <= k) set.add(fnv32(norm));
  else for (let i = 0; i + k <= chars.length; i++) set.add(fnv32(chars.slice(i, i + k).join('')));
  return Uint32Array.from(set).sort();
}

/** MinHash signature: for each seeded hash, the minimum over the shingles. */
export function minhash(sh: Uint32Array): Uint32Array {
  const sig = new Uint32Array(NEAR.permutations).fill(0xffffffff);
  for (const x of sh) {
    for (let p = 0; p < NEAR.permutations; p++) {
      const v = fmix32(x ^ SEEDS[p]);
      if (v < sig[p]) sig[p] = v;
    }
  }
  return sig;
}

/** Exact Jaccard similarity of two sorted distinct hash arrays. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      inter++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  const union = a.length + b.length - inter;
  return union === 0 ? 1 : inter / union;
}

const str = (v: unknown): v is string => typeof v === 'string';

/** The shape of a parsed record, or null. */
export function recordFormat(v: Record<string, unknown>): RecordFormat | null {
  if (Array.isArray(v.messages)) return 'messages';
  if ('instruction' in v && 'output' in v) return 'instruction';
  if ('prompt' in v && 'completion' in v) return 'prompt';
  if ('text' in v) return 'text';
  return null;
}

/** The text of a record in the given format, or the reason it has none. */
export function recordText(v: Record<string, unknown>, format: RecordFormat): { text: string } | { missing: string } {
  if (format === 'messages') {
    if (!Array.isArray(v.messages)) return { missing: 'messages' };
    const parts: string[] = [];
    for (const m of v.messages) {
      if (!m || typeof m !== 'object' || !str((m as any).role) || !str((m as any).content)) return { missing: 'messages[].role/content' };
      parts.push((m as any).content);
    }
    return { text: parts.join('\n') };
  }
  const fields = format === 'instruction' ? ['instruction', 'output'] : format === 'prompt' ? ['prompt', 'completion'] : ['text'];
  const missing = fields.filter((f) => !str(v[f]));
  if (missing.length) return { missing: missing.join(', ') };
  if (format === 'instruction') return { text: [v.instruction, str(v.input) ? v.input : '', v.output].filter((s) => s !== '').join('\n') };
  return { text: fields.map((f) => v[f] as string).join('\n') };
}

interface Parsed {
  line: number;
  value?: Record<string, unknown>;
  error?: string;
}

/** Audits records given as (line number, raw text) pairs; blank lines are skipped. */
export function auditLines(lines: Iterable<{ line: number; text: string }>): DataQualityReport {
  const parsed: Parsed[] = [];
  const formatVotes = new Map<RecordFormat, number>();
  for (const { line, text } of lines) {
    if (text.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line === 1 ? text.replace(/^\uFEFF/, '') : text);
    } catch (e) {
      parsed.push({ line, error: `not valid JSON (${(e as Error).message})` });
      continue;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      parsed.push({ line, error: 'not a JSON object' });
      continue;
    }
    const o = v as Record<string, unknown>;
    const f = recordFormat(o);
    if (f) formatVotes.set(f, (formatVotes.get(f) ?? 0) + 1);
    parsed.push({ line, value: o });
  }
  const order: RecordFormat[] = ['messages', 'instruction', 'prompt', 'text'];
  let format: RecordFormat | null = null;
  for (const f of order) if ((formatVotes.get(f) ?? 0) > (format ? formatVotes.get(format)! : 0)) format = f;

  const counts: Record<RecordClass, number> = { invalid: 0, empty: 0, duplicate: 0, 'near-duplicate': 0, pii: 0, clean: 0 };
  const invalidLines: InvalidLine[] = [];
  const seen = new Set<string>();
  const buckets = new Map<string, number[]>();
  const kept: Array<{ line: number; sh: Uint32Array }> = [];
  const nearPairs: Array<[number, number]> = [];
  const labelCounts = { label: new Map<string, number>(), category: new Map<string, number>() };
  let piiHits = 0;
  let chars = 0;
  let piiRecords = 0;

  for (const p of parsed) {
    if (p.error || !p.value) {
      counts.invalid++;
      invalidLines.push({ line: p.line, reason: p.error ?? 'not a record' });
      continue;
    }
    const t = format ? recordText(p.value, format) : { missing: 'text (no known record shape: text, prompt/completion, instruction/output, messages)' };
    if ('missing' in t) {
      counts.invalid++;
      invalidLines.push({ line: p.line, reason: `missing or non-string field(s): ${t.missing}` });
      continue;
    }
    for (const field of ['label', 'category'] as const) {
      const l = p.value[field];
      if (typeof l === 'string' || typeof l === 'number' || typeof l === 'boolean') labelCounts[field].set(String(l), (labelCounts[field].get(String(l)) ?? 0) + 1);
    }
    const text = t.text;
    chars += text.length;
    const hits = text.trim() ? findPii(text).length : 0;
    piiHits += hits;
    if (hits > 0) piiRecords++;
    if (text.trim() === '') {
      counts.empty++;
      continue;
    }
    const norm = normaliseText(text);
    const key = createHash('sha256').update(norm).digest('base64');
    if (seen.has(key)) {
      counts.duplicate++;
      continue;
    }
    seen.add(key);
    const sh = shingles(norm);
    const sig = minhash(sh);
    const candidates = new Set<number>();
    const keys: string[] = [];
    for (let b = 0; b < NEAR.bands; b++) {
      const k = `${b}:${Array.from(sig.subarray(b * NEAR.rows, (b + 1) * NEAR.rows)).join(',')}`;
      keys.push(k);
      for (const idx of buckets.get(k) ?? []) candidates.add(idx);
    }
    let near = false;
    for (const idx of [...candidates].sort((a, b) => a - b)) {
      if (jaccard(sh, kept[idx].sh) >= NEAR.jaccard) {
        nearPairs.push([kept[idx].line, p.line]);
        near = true;
        break;
      }
    }
    if (near) {
      counts['near-duplicate']++;
      continue;
    }
    const idx = kept.length;
    kept.push({ line: p.line, sh });
    for (const k of keys) {
      const list = buckets.get(k);
      if (list) list.push(idx);
      else buckets.set(k, [idx]);
    }
    if (hits > 0) counts.pii++;
    else counts.clean++;
  }

  const records = parsed.length;
  const shares = Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, records ? n / records : 0])) as Record<RecordClass, number>;
  const validRecords = records - counts.invalid;
  return {
    format,
    records,
    counts,
    shares,
    nearPairs,
    invalidLines,
    pii: { hits: piiHits, chars, perThousandChars: chars ? (1000 * piiHits) / chars : 0, recordsWithPii: piiRecords, recordShare: validRecords ? piiRecords / validRecords : 0 },
    labels: labelBalance(labelCounts.label.size ? 'label' : labelCounts.category.size ? 'category' : null, labelCounts),
    value: records ? counts.clean / records : 1,
  };
}

function labelBalance(field: 'label' | 'category' | null, all: Record<'label' | 'category', Map<string, number>>): LabelBalance | null {
  if (!field) return null;
  const m = all[field];
  const total = [...m.values()].reduce((a, b) => a + b, 0);
  let h = 0;
  let largest = 0;
  let largestClass = '';
  for (const [k, n] of [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const p = n / total;
    h -= p * Math.log(p);
    if (n > largest) {
      largest = n;
      largestClass = k;
    }
  }
  return { field, classes: m.size, labelled: total, entropyRatio: m.size > 1 ? h / Math.log(m.size) : 0, largestShare: largest / total, largestClass };
}

/** Audits a JSONL file, read line by line (the file is held in memory while audited: the format vote needs every record). */
export async function auditFile(file: string): Promise<DataQualityReport> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const lines: Array<{ line: number; text: string }> = [];
  let n = 0;
  for await (const text of rl) lines.push({ line: ++n, text });
  return auditLines(lines);
}
