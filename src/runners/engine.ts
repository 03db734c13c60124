import type { Adapter, CallContext, ModelRequest, Reply, ResponseRecord, Phase, Timing } from '../core/types.ts';

/** One call the engine must make. */
export interface WorkItem {
  caseId: string;
  phase: Phase;
  request: ModelRequest;
  /** Write the rendered prompt into the record (generated perturbed variants, whose text is in no suite file). */
  journalPrompt?: boolean;
}

/** Engine options after resolution. */
export interface ResolvedEngineOptions {
  /** Calls in flight at once (closed loop). */
  concurrency: number;
  /** Harness-owned limit per call (ms); the adapter's own timeouts never decide. */
  timeoutMs: number;
  /** Stops scheduling new calls; calls in flight are abandoned and not journaled. */
  signal?: AbortSignal;
  onRecord?: (r: ResponseRecord, done: number, total: number) => void;
  /** Number of items when `items` is not an array (reported to onRecord as `total`; default: unknown, NaN). */
  total?: number;
}

/** How a run of the engine ended. */
export type EngineResult = { state: 'completed'; records: number } | { state: 'interrupted'; records: number };

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

class Timeout extends Error {}

/**
 * One call in flight, and the context the adapter sees. The abort signal is made only when the
 * adapter reads it (making one costs more than a zero-latency call).
 */
class Call implements CallContext {
  readonly t0 = nowMs();
  readonly deadline: number;
  firstAt: number | undefined;
  ctrl: AbortController | undefined;
  reject: ((e: unknown) => void) | undefined;
  /** The adapter calls this when its first token is out; the engine stamps the time. */
  readonly firstToken = (): void => {
    this.firstAt ??= nowMs();
  };
  constructor(timeoutMs: number) {
    this.deadline = this.t0 + timeoutMs;
  }
  get signal(): AbortSignal {
    return (this.ctrl ??= new AbortController()).signal;
  }
  abort(): void {
    this.ctrl?.abort();
  }
  expire(): void {
    this.abort();
    this.reject?.(new Timeout());
  }
  timing(startedAt: string): Timing {
    const latencyMs = round3(nowMs() - this.t0);
    return this.firstAt === undefined ? { startedAt, latencyMs } : { startedAt, latencyMs, ttftMs: round3(this.firstAt - this.t0) };
  }
}

/** Wall-clock now as ISO 8601; the string is reused within one millisecond. */
let lastMs = -1;
let lastIso = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * Runs work items through an adapter with bounded concurrency (closed loop: a call starts when one
 * ends, so the harness queues nothing hidden). The engine takes every timestamp
 * (process.hrtime.bigint()); the adapter only signals its first token. Each record is handed to
 * `sink` as soon as it completes (the journal). A failed call becomes an error record, never a throw.
 * Log-likelihoods, when asked, are fetched after the timed call and do not count as latency.
 * `items` may be any iterable (a generator rendering prompts as they are asked keeps memory flat
 * on large runs); it is consumed in order, one item when a call slot frees up.
 */
export async function runEngine(
  adapter: Adapter,
  items: Iterable<WorkItem>,
  sink: (r: ResponseRecord) => void,
  opts: ResolvedEngineOptions,
): Promise<EngineResult> {
  const iter = items[Symbol.iterator]();
  let exhausted = false;
  let done = 0;
  const total = Array.isArray(items) ? items.length : (opts.total ?? NaN);
  const take = (): WorkItem | undefined => {
    if (exhausted) return undefined;
    const n = iter.next();
    if (n.done) exhausted = true;
    return n.done ? undefined : n.value;
  };
  // Calls in flight with their deadlines. One listener interrupts them all, and one sweeper
  // (every timeoutMs/8, at most 100 ms) enforces the harness-owned timeout: no timer per call.
  const inFlight = new Set<Call>();
  const abortAll = () => inFlight.forEach((c) => c.abort());
  opts.signal?.addEventListener('abort', abortAll, { once: true });
  const sweep = setInterval(() => {
    const now = nowMs();
    for (const p of inFlight) if (now >= p.deadline) p.expire();
  }, Math.max(1, Math.min(100, Math.floor(opts.timeoutMs / 8))));

  async function one(item: WorkItem): Promise<ResponseRecord | undefined> {
    const call = new Call(opts.timeoutMs);
    const startedAt = isoNow();
    try {
      // One promise per call: settled by the adapter, or rejected by the sweeper at the deadline.
      const reply = await new Promise<Reply>((resolve, reject) => {
        call.reject = reject;
        inFlight.add(call);
        adapter.call(item.request, item.caseId, call).then(resolve, reject);
      });
      const t = call.timing(startedAt);
      inFlight.delete(call);
      const rec: ResponseRecord = { caseId: item.caseId, phase: item.phase, status: 'ok', output: reply.output, timing: reply.replayedTiming ?? t };
      if (item.journalPrompt) rec.prompt = item.request.prompt;
      if (reply.usage) rec.usage = reply.usage;
      if (reply.attempts !== undefined && reply.attempts > 1) rec.attempts = reply.attempts;
      if (reply.logprobs) rec.logprobs = reply.logprobs;
      if (reply.continuationTokens) rec.continuationTokens = reply.continuationTokens;
      if (!reply.logprobs && item.request.continuations && adapter.loglik && !opts.signal?.aborted) {
        try {
          const ll = await adapter.loglik(item.request.prompt, item.request.continuations, call.signal);
          rec.logprobs = ll.logprobs;
          rec.continuationTokens = ll.tokens;
        } catch {
          // Log-likelihood is optional: the generated answer is still scored.
        }
      }
      return rec;
    } catch (e) {
      const t = call.timing(startedAt);
      if (opts.signal?.aborted) return undefined; // interrupted: not journaled, asked again on resume
      const kind = e instanceof Timeout ? 'timeout' : 'adapter';
      const message = e instanceof Timeout ? `no reply within ${opts.timeoutMs} ms` : e instanceof Error ? e.message : String(e);
      return { caseId: item.caseId, phase: item.phase, status: 'error', error: { kind, message }, timing: t, ...(item.journalPrompt ? { prompt: item.request.prompt } : {}) };
    } finally {
      inFlight.delete(call);
    }
  }

  // An adapter that answers at once never leaves the microtask queue: every YIELD_EVERY records the
  // workers wait for one turn of the event loop together, so that the journal's writes (and the
  // timeout sweeper) run, instead of a whole run's records piling up in memory unwritten.
  let gate: Promise<void> | undefined;
  let turnedAt = 0;
  const turn = () =>
    (gate ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        gate = undefined;
        resolve();
      }),
    ));

  async function worker(): Promise<void> {
    while (!opts.signal?.aborted) {
      if (gate) await gate;
      else if (done - turnedAt >= YIELD_EVERY) {
        turnedAt = done;
        await turn();
      }
      const item = take();
      if (!item) return;
      const rec = await one(item);
      if (!rec) continue;
      sink(rec);
      done++;
      opts.onRecord?.(rec, done, total);
    }
  }

  const workers = Math.max(1, Number.isNaN(total) ? opts.concurrency : Math.min(opts.concurrency, total));
  await Promise.all(Array.from({ length: workers }, worker));
  clearInterval(sweep);
  opts.signal?.removeEventListener('abort', abortAll);
  return opts.signal?.aborted ? { state: 'interrupted', records: done } : { state: 'completed', records: done };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Records between two forced turns of the event loop (see runEngine). */
const YIELD_EVERY = 512;
