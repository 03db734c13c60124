import { closeSync, createWriteStream, existsSync, fsyncSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';
import { readJsonl } from '../core/jsonl.ts';
import { InputError } from '../core/errors.ts';
import type { ResponseRecord } from '../core/types.ts';

/** Key of a journal record: a case is answered once per phase. */
export const recordKey = (r: Pick<ResponseRecord, 'caseId' | 'phase'>) => `${r.phase}\u0000${r.caseId}`;

/**
 * Reads a responses journal. A torn last line (a crash mid-write) is dropped and reported through
 * `onTorn`; any other malformed line is an InputError naming the line.
 */
export async function readJournal(file: string, onTorn?: (line: number) => void): Promise<ResponseRecord[]> {
  if (!existsSync(file)) return [];
  const out: ResponseRecord[] = [];
  for await (const { line, value } of readJsonl(file, { tornTail: true, onTorn })) {
    const r = value as ResponseRecord;
    if (!r || typeof r.caseId !== 'string' || (r.status !== 'ok' && r.status !== 'error') || !r.timing) {
      throw new InputError('not a response record (needs caseId, status, timing)', { file, line });
    }
    out.push({ ...r, phase: r.phase ?? 'main' });
  }
  return out;
}

/** Journal options. */
export interface JournalOptions {
  /**
   * fdatasync the file after every batch written (and its folder once, at open), so that a power
   * loss loses at most the batch being written; default false: fsync only at close().
   */
  fsync?: boolean;
}

/**
 * Appends response records to responses.jsonl as they arrive: whole lines, handed to the OS within
 * one turn of the event loop (or every 256 records, whichever comes first); `close()` flushes and
 * fsyncs. A process killed mid-run loses at most those lines, whose cases are asked again on
 * resume, and a torn last line is dropped then. What the OS holds survives a process kill but not a
 * power loss; with `fsync`, each batch is also on disk before the next is written (docs/reliability.md).
 */
export class Journal {
  /** Without fsync: a write stream. With fsync: a file handle and the chain of its writes. */
  private stream: WriteStream | undefined;
  private handle: Promise<FileHandle> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
  constructor(
    readonly file: string,
    opts: JournalOptions = {},
  ) {
    if (opts.fsync) {
      this.handle = open(file, 'a').then((h) => (syncDir(dirname(file)), h));
      this.handle.catch((e: Error) => (this.failed ??= e));
    } else {
      this.stream = createWriteStream(file, { flags: 'a' });
      this.stream.on('error', (e) => (this.failed = e));
    }
  }

  /**
   * Repairs a journal cut by a crash before appending to it: a last line without its newline is
   * kept (newline added) when it is a whole JSON record, else truncated away. Returns the 1-based
   * line number of a dropped torn line, if any.
   */
  static async prepare(file: string): Promise<{ droppedLine?: number }> {
    if (!existsSync(file)) return {};
    const fh = await open(file, 'r+');
    try {
      const { size } = await fh.stat();
      if (size === 0) return {};
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] === 0x0a) return {};
      const whole = await fh.readFile();
      const cut = whole.lastIndexOf(0x0a) + 1;
      const tail = whole.subarray(cut).toString('utf8');
      try {
        JSON.parse(tail);
        await fh.write('\n', size);
        return {};
      } catch {
        await fh.truncate(cut);
        let line = 1;
        for (let i = 0; i < cut; i++) if (whole[i] === 0x0a) line++;
        return { droppedLine: line };
      }
    } finally {
      await fh.close();
    }
  }

  /** Lines waiting for the next write: at most BATCH records or one turn of the event loop. */
  private pending: string[] = [];
  private scheduled = false;
  private static readonly BATCH = 256;

  append(r: ResponseRecord): void {
    if (this.failed) throw this.failed;
    this.pending.push(JSON.stringify(r) + '\n');
    if (this.pending.length >= Journal.BATCH) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const data = this.pending.join('');
    this.pending = [];
    if (this.stream) {
      this.stream.write(data);
      return;
    }
    // --fsync: batches written in order, each one on disk (fdatasync) before the next is written.
    const handle = this.handle!;
    this.chain = this.chain
      .then(async () => {
        const h = await handle;
        await h.write(data);
        await h.datasync();
      })
      .catch((e: Error) => void (this.failed ??= e));
  }

  async close(): Promise<void> {
    this.flush();
    if (this.handle) {
      await this.chain;
      const h = await this.handle.catch(() => undefined);
      await h?.sync();
      await h?.close();
      if (this.failed) throw this.failed;
      return;
    }
    const stream = this.stream!;
    await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (this.failed) throw this.failed;
    const fh = await open(this.file, 'r+');
    await fh.sync();
    await fh.close();
  }
}

/** fsyncs a folder, so that a file just created in it survives a power loss (best effort: not every platform can). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder for fsync; the journal itself is still synced.
  }
}

/** Retries over a run (manifest facts): answered calls that took more than one attempt, and their extra attempts. */
export interface RetryTotals {
  retriedCalls: number;
  extraAttempts: number;
}

/**
 * Totals of retries of the journal's answered calls (the first record of each case and phase, as
 * scored). A call that failed after retrying is an error record: its message says how many attempts.
 */
export function retryTotals(records: readonly ResponseRecord[]): RetryTotals {
  const seen = new Set<string>();
  const out: RetryTotals = { retriedCalls: 0, extraAttempts: 0 };
  for (const r of records) {
    const k = recordKey(r);
    if (seen.has(k)) continue;
    seen.add(k);
    if (r.status === 'ok' && r.attempts !== undefined && r.attempts > 1) {
      out.retriedCalls++;
      out.extraAttempts += r.attempts - 1;
    }
  }
  return out;
}
