import { closeSync, existsSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { InputError } from '../core/errors.ts';
import { groupMembers, scoreCase } from '../metrics/score-run.ts';
import { failingCases, type FailingCase } from '../reports/model.ts';
import { renderScoresCsv } from '../reports/csv.ts';
import type { Case, Phase, Profile, ResponseRecord, Score } from '../core/types.ts';

/**
 * Building blocks of the bounded-memory finalize (see finalize.ts): a whole run is never held as
 * records or score objects. The journal is indexed by byte offset (first record of each case and
 * phase wins), read back in case order, scored case by case and written out as it goes; what
 * aggregation needs later is kept in compact column stores whose iterators hand out light views.
 */

/** Buffered writer to `<file>.tmp-<pid>`, renamed over `file` by close() (atomic, as writeAtomic). */
export class FileOut {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  constructor(readonly file: string) {
    this.tmp = `${file}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, 'w');
  }
  /** Appends text (UTF-8), encoded straight into the buffer. */
  write(s: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (3 * s.length > this.buf.length - this.pos) {
      this.flush();
      if (3 * s.length > this.buf.length) return this.put(Buffer.from(s, 'utf8'));
    }
    this.pos += this.buf.write(s, this.pos);
  }
  private put(b: Uint8Array): void {
    for (let off = 0; off < b.length; ) off += writeSync(this.fd, b, off, b.length - off);
  }
  private flush(): void {
    if (this.pos) this.put(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.file);
  }
}

/** Calls `onLine` for every line of a file (bytes start..end of `buf`, its byte offset and 1-based number). */
function scanLines(file: string, onLine: (buf: Buffer, start: number, end: number, offset: number, line: number) => void): void {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let carry = Buffer.alloc(0);
    let carryAt = 0;
    let pos = 0;
    let line = 0;
    for (;;) {
      const got = readSync(fd, chunk, 0, chunk.length, pos);
      if (got === 0) break;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, got)]) : chunk.subarray(0, got);
      const at = carry.length ? carryAt : pos;
      pos += got;
      let s = 0;
      for (let nl = data.indexOf(10, s); nl !== -1; nl = data.indexOf(10, s)) {
        onLine(data, s, nl, at + s, ++line);
        s = nl + 1;
      }
      carry = Buffer.from(data.subarray(s));
      carryAt = at + s;
    }
    if (carry.length) onLine(carry, 0, carry.length, carryAt, ++line);
  } finally {
    closeSync(fd);
  }
}

/** readJournal's check and normalisation of one parsed line. */
function asRecord(value: unknown, file: string, line: number): ResponseRecord {
  const r = value as ResponseRecord;
  if (!r || typeof r.caseId !== 'string' || (r.status !== 'ok' && r.status !== 'error') || !r.timing) {
    throw new InputError('not a response record (needs caseId, status, timing)', { file, line });
  }
  return { ...r, phase: r.phase ?? 'main' };
}

/** Where each case's first main record lies in the journal, and the first record of the other phases. */
export interface JournalIndex {
  file: string;
  /** Byte offset of case i's first main record, or -1. */
  at: Float64Array;
  /** Its length in bytes (without the newline). */
  len: Uint32Array;
  /** First record of each (case index, phase) for the phases other than main, in case order. */
  others: { idx: number; rec: ResponseRecord }[];
}

/**
 * Indexes a journal against the run's cases (`order`: case id → position): records of cases outside
 * the run are dropped, later records of a case and phase ignored. A torn last line is dropped, any
 * other malformed line is an InputError naming it (as readJournal).
 */
export function indexJournal(file: string, order: ReadonlyMap<string, number>): JournalIndex {
  const n = order.size;
  const at = new Float64Array(n).fill(-1);
  const len = new Uint32Array(n);
  const seen = new Map<string, Map<number, ResponseRecord>>();
  if (existsSync(file)) {
    let pending: { line: number; error: unknown } | undefined;
    scanLines(file, (buf, s, e, offset, line) => {
      let text = buf.toString('utf8', s, e);
      if (line === 1) text = text.replace(/^\uFEFF/, '');
      if (text.trim() === '') return;
      if (pending) throw new InputError(`not valid JSON (${(pending.error as Error).message})`, { file, line: pending.line });
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        pending = { line, error: err };
        return;
      }
      const r = asRecord(value, file, line);
      const idx = order.get(r.caseId);
      if (idx === undefined) return;
      if (r.phase === 'main') {
        if (at[idx] < 0) {
          // The BOM (3 bytes) of a first line is not part of the record.
          const skip = line === 1 && buf[s] === 0xef ? 3 : 0;
          at[idx] = offset + skip;
          len[idx] = e - s - skip;
        }
        return;
      }
      const m = seen.get(r.phase) ?? new Map<number, ResponseRecord>();
      seen.set(r.phase, m);
      if (!m.has(idx)) m.set(idx, r);
    });
  }
  const others: JournalIndex['others'] = [];
  for (const m of seen.values()) for (const [idx, rec] of m) others.push({ idx, rec });
  // As computeResults: after the main records, in case order (stable for equal cases).
  others.sort((a, b) => a.idx - b.idx);
  return { file, at, len, others };
}

/** Reads indexed main records back, mostly in file order, through a 4 MB window. */
export class RecordReader {
  private fd: number | undefined;
  private buf = Buffer.allocUnsafe(4 << 20);
  private from = 0;
  private to = 0;
  constructor(private readonly index: JournalIndex) {
    if (existsSync(index.file)) this.fd = openSync(index.file, 'r');
  }
  /** Case i's main record, or undefined. */
  main(i: number): ResponseRecord | undefined {
    const off = this.index.at[i];
    if (off < 0 || this.fd === undefined) return undefined;
    const n = this.index.len[i];
    if (off < this.from || off + n > this.to) {
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
      const got = readSync(this.fd, this.buf, 0, this.buf.length, off);
      this.from = off;
      this.to = off + got;
    }
    const s = off - this.from;
    return asRecord(JSON.parse(this.buf.toString('utf8', s, s + n)), this.index.file, 0);
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A growable typed column. */
function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, Math.ceil(a.length * 1.5)));
  b.set(a);
  return b;
}

const EXTRA_KEYS = ['confidence', 'loglik', 'loglik_norm', 'group'] as const;

/**
 * Score rows as columns (case, indicator, value, pass; `extra` only when aggregation reads it), then
 * whole rows for the tail (group, evidence, measurement rows). Iterates light Score views without
 * `reason`: for aggregation and the heat map only.
 */
export class ScoreColumns implements Iterable<Score> {
  private n = 0;
  private caseIdx: Int32Array;
  private ind: Uint8Array;
  private value: Float64Array;
  private pass: Uint8Array;
  private extras = new Map<number, Score['extra']>();
  private readonly indicators: string[] = [];
  private readonly codes = new Map<string, number>();
  readonly tail: Score[] = [];
  constructor(private readonly cases: readonly Case[]) {
    // Sized for four rows a case (success, task, latency, extractability): most runs never grow.
    const cap = 4 * cases.length + 1024;
    this.caseIdx = new Int32Array(cap);
    this.ind = new Uint8Array(cap);
    this.value = new Float64Array(cap);
    this.pass = new Uint8Array(cap);
  }
  add(idx: number, s: Score): void {
    const i = this.n++;
    if (i >= this.value.length) {
      this.caseIdx = grow(this.caseIdx, i + 1);
      this.ind = grow(this.ind, i + 1);
      this.value = grow(this.value, i + 1);
      this.pass = grow(this.pass, i + 1);
    }
    let code = this.codes.get(s.indicator);
    if (code === undefined) {
      code = this.indicators.push(s.indicator) - 1;
      if (code > 255) throw new RangeError('more than 256 indicators');
      this.codes.set(s.indicator, code);
    }
    this.caseIdx[i] = idx;
    this.ind[i] = code;
    this.value[i] = s.value;
    this.pass[i] = s.pass ? 1 : 0;
    if (s.extra && EXTRA_KEYS.some((k) => k in s.extra!)) this.extras.set(i, s.extra);
  }
  *[Symbol.iterator](): Iterator<Score> {
    for (let i = 0; i < this.n; i++) {
      const extra = this.extras.get(i);
      const v: Score = { caseId: this.cases[this.caseIdx[i]].id, indicator: this.indicators[this.ind[i]], value: this.value[i], pass: this.pass[i] === 1, reason: '' };
      if (extra) v.extra = extra;
      yield v;
    }
    yield* this.tail;
  }
}

/**
 * Main records as columns (status, latency; whole records only of cases re-asked, for the audit), then
 * the other phases' whole records. Iterates light ResponseRecord views, in computeResults' order.
 */
export class RecordColumns implements Iterable<ResponseRecord> {
  private readonly status: Uint8Array;
  private readonly latency: Float64Array;
  private readonly whole = new Map<number, ResponseRecord>();
  private readonly keep: Set<number>;
  constructor(private readonly cases: readonly Case[], private readonly others: JournalIndex['others']) {
    this.status = new Uint8Array(cases.length);
    this.latency = new Float64Array(cases.length);
    this.keep = new Set(others.map((o) => o.idx));
  }
  add(idx: number, r: ResponseRecord): void {
    this.status[idx] = r.status === 'ok' ? 1 : 2;
    this.latency[idx] = r.timing.latencyMs;
    if (this.keep.has(idx)) this.whole.set(idx, r);
  }
  /** Case i's main record: whole for re-asked cases (the audit reads every field), else a light view (undefined when none). */
  view(i: number): ResponseRecord | undefined {
    const st = this.status[i];
    if (st === 0) return undefined;
    const whole = this.whole.get(i);
    if (whole) return whole;
    const timing = { startedAt: '', latencyMs: this.latency[i] };
    if (st === 1) return { caseId: this.cases[i].id, phase: 'main' as Phase, status: 'ok', output: '', timing };
    return { caseId: this.cases[i].id, phase: 'main' as Phase, status: 'error', error: { kind: 'adapter', message: '' }, timing };
  }
  *[Symbol.iterator](): Iterator<ResponseRecord> {
    for (let i = 0; i < this.cases.length; i++) {
      const v = this.view(i);
      if (v) yield v;
    }
    for (const o of this.others) yield o.rec;
  }
}

/** Failing cases of several chunks merged as one failingCases call over all of them would give. */
export class FailingMerge {
  private readonly groups = new Map<string, { shown: FailingCase[]; more: number }>();
  constructor(private readonly perIndicator = 20) {}
  add(part: ReturnType<typeof failingCases>): void {
    for (const p of part) {
      const g = this.groups.get(p.indicator) ?? { shown: [], more: 0 };
      this.groups.set(p.indicator, g);
      for (const fc of p.shown) {
        if (g.shown.length < this.perIndicator) g.shown.push(fc);
        else g.more++;
      }
      g.more += p.more;
    }
  }
  /** Score groups in order of first appearance, then `errors` (failingCases adds errors last). */
  result(): ReturnType<typeof failingCases> {
    const all = [...this.groups].map(([indicator, g]) => ({ indicator, ...g }));
    return [...all.filter((g) => g.indicator !== 'errors'), ...all.filter((g) => g.indicator === 'errors')];
  }
}

/** What streaming the journal produced: the compact stores and the bounded report parts. */
export interface Streamed {
  scores: ScoreColumns;
  responses: RecordColumns;
  failing: ReturnType<typeof failingCases>;
}

/**
 * Streams a journal into a bundle: responses.jsonl rewritten in case order, scores.jsonl and
 * scores.csv written row by row (byte for byte what computeResults and renderScoresCsv give), the
 * failing-case drill-down gathered per chunk of 2,048 cases. `tail` is called once the case rows
 * are out, with the task scores of the cases in groups, and returns the rows that follow them
 * (group, evidence and measurement rows).
 */
export function streamJournal(args: {
  journalFile: string;
  cases: Case[];
  profile: Profile;
  out: { responses: string; scores: string; csv: string };
  tail: (groupCases: Case[], groupTaskScores: Score[]) => Score[];
}): Streamed {
  const { cases, profile } = args;
  const order = new Map<string, number>();
  cases.forEach((c, i) => order.set(c.id, i));
  const index = indexJournal(args.journalFile, order);
  const reader = new RecordReader(index);
  const repeats = new Map<number, ResponseRecord[]>();
  for (const o of index.others) if (o.rec.phase === 'repeat') repeats.set(o.idx, [o.rec]);
  // Cases whose task scores the group rows are derived from: in a counterfactual group, a variant, or a base.
  const inGroup = groupMembers(cases);
  const groupCases: Case[] = [];
  const groupTask: Score[] = [];

  const scores = new ScoreColumns(cases);
  const responses = new RecordColumns(cases, index.others);
  const failing = new FailingMerge();
  const outResponses = new FileOut(args.out.responses);
  const outScores = new FileOut(args.out.scores);
  const outCsv = new FileOut(args.out.csv);
  // renderScoresCsv of a chunk, less its header line: the rows of one call over all of them.
  const head = renderScoresCsv([], [], []);
  outCsv.write(head);
  const csvRows = (cs: Case[], ss: Score[], rs: ResponseRecord[]) => {
    if (ss.length) outCsv.write(renderScoresCsv(cs, ss, rs).slice(head.length));
  };
  let chunkCases: Case[] = [];
  let chunkScores: Score[] = [];
  let chunkResponses: ResponseRecord[] = [];
  const flush = () => {
    csvRows(chunkCases, chunkScores, chunkResponses);
    failing.add(failingCases(chunkCases, chunkScores, chunkResponses));
    chunkCases = [];
    chunkScores = [];
    chunkResponses = [];
  };
  try {
    for (let i = 0; i < cases.length; i++) {
      const r = reader.main(i);
      if (!r) continue;
      const c = cases[i];
      outResponses.write(JSON.stringify(r) + '\n');
      responses.add(i, r);
      const from = chunkScores.length;
      scoreCase(c, r, repeats.get(i), profile, chunkScores);
      for (let k = from; k < chunkScores.length; k++) {
        const s = chunkScores[k];
        outScores.write(JSON.stringify(s) + '\n');
        scores.add(i, s);
        if (s.indicator === c.indicator && inGroup(c)) groupTask.push(s);
      }
      if (inGroup(c)) groupCases.push(c);
      chunkCases.push(c);
      chunkResponses.push(r);
      if (chunkCases.length >= 2048) flush();
    }
    flush();
    for (const o of index.others) outResponses.write(JSON.stringify(o.rec) + '\n');
    const tail = args.tail(groupCases, groupTask);
    for (const s of tail) {
      outScores.write(JSON.stringify(s) + '\n');
      scores.tail.push(s);
    }
    // Tail rows may name cases of the run (data-audit rows): the CSV shows their case and main call.
    const tailCases = new Map<string, Case>();
    const tailResponses: ResponseRecord[] = [];
    for (const s of tail) {
      const i = order.get(s.caseId);
      if (i === undefined || tailCases.has(s.caseId)) continue;
      tailCases.set(s.caseId, cases[i]);
      const v = responses.view(i);
      if (v) tailResponses.push(v);
    }
    csvRows([...tailCases.values()], tail, tailResponses);
    failing.add(failingCases([...tailCases.values()], tail, []));
  } finally {
    reader.close();
  }
  outResponses.close();
  outScores.close();
  outCsv.close();
  return { scores, responses, failing: failing.result() };
}
