import type { Adapter, ModelRequest, ResponseRecord, Phase, Timing } from '../core/types.ts';

/** One call the engine must make. */
export interface WorkItem {
  caseId: string;
  phase: Phase;
  request: ModelRequest;
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
}

/** How a run of the engine ended. */
export type EngineResult = { state: 'completed'; records: number } | { state: 'interrupted'; records: number };

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

class Timeout extends Error {}

/**
 * Runs work items through an adapter with bounded concurrency. The engine takes every timestamp
 * (process.hrtime.bigint()); the adapter only signals its first token. Each record is handed to
 * `sink` as soon as it completes (the journal). A failed call becomes an error record, never a throw.
 * Log-likelihoods, when asked, are fetched after the timed call and do not count as latency.
 */
export async function runEngine(
  adapter: Adapter,
  items: WorkItem[],
  sink: (r: ResponseRecord) => void,
  opts: ResolvedEngineOptions,
): Promise<EngineResult> {
  let next = 0;
  let done = 0;
  const total = items.length;

  async function one(item: WorkItem): Promise<ResponseRecord | undefined> {
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let firstAt: number | undefined;
    const startedAt = new Date().toISOString();
    const t0 = nowMs();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ctrl.abort();
        reject(new Timeout());
      }, opts.timeoutMs);
    });
    const timing = (): Timing => {
      const t1 = nowMs();
      return { startedAt, latencyMs: round3(t1 - t0), ...(firstAt !== undefined ? { ttftMs: round3(firstAt - t0) } : {}) };
    };
    try {
      const reply = await Promise.race([
        adapter.call(item.request, item.caseId, { signal: ctrl.signal, firstToken: () => (firstAt ??= nowMs()) }),
        timeout,
      ]);
      const t = timing();
      clearTimeout(timer);
      const rec: ResponseRecord = { caseId: item.caseId, phase: item.phase, status: 'ok', output: reply.output, timing: reply.replayedTiming ?? t };
      if (reply.usage) rec.usage = reply.usage;
      if (reply.logprobs) rec.logprobs = reply.logprobs;
      if (reply.continuationTokens) rec.continuationTokens = reply.continuationTokens;
      if (!reply.logprobs && item.request.continuations && adapter.loglik && !opts.signal?.aborted) {
        try {
          const ll = await adapter.loglik(item.request.prompt, item.request.continuations, ctrl.signal);
          rec.logprobs = ll.logprobs;
          rec.continuationTokens = ll.tokens;
        } catch {
          // Log-likelihood is optional: the generated answer is still scored.
        }
      }
      return rec;
    } catch (e) {
      const t = timing();
      clearTimeout(timer);
      if (opts.signal?.aborted) return undefined; // interrupted: not journaled, asked again on resume
      const kind = e instanceof Timeout ? 'timeout' : 'adapter';
      const message = e instanceof Timeout ? `no reply within ${opts.timeoutMs} ms` : e instanceof Error ? e.message : String(e);
      return { caseId: item.caseId, phase: item.phase, status: 'error', error: { kind, message }, timing: t };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async function worker(): Promise<void> {
    while (next < total && !opts.signal?.aborted) {
      const item = items[next++];
      const rec = await one(item);
      if (!rec) continue;
      sink(rec);
      done++;
      opts.onRecord?.(rec, done, total);
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, total)) }, worker));
  return opts.signal?.aborted ? { state: 'interrupted', records: done } : { state: 'completed', records: done };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
