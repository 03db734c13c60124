import type { Adapter, CallContext, Reply } from '../core/types.ts';
import type { WorkItem } from './engine.ts';
import { countTokens } from './adapters/openai.ts';

/** A monotonic clock in ms from its creation (process.hrtime.bigint()). */
export function hrClock(): () => number {
  const t0 = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * One load call as the harness timed it; all times in ms on the scenario's clock (0 = its start).
 * Latency is measured from `scheduledMs`: the scheduled send time in open loop (server, soak), the
 * actual send time in closed loop (single-stream, offline), where the two are equal.
 */
export interface CallSample {
  /** When the call was due (open loop) or sent (closed loop). */
  scheduledMs: number;
  /** When the harness handed the request to the adapter. `sentMs − scheduledMs` is the client's lag. */
  sentMs: number;
  /** First content: the adapter's firstToken() or, without one, its first onToken() chunk. */
  firstMs?: number;
  /** When the reply (or the failure) was in. */
  endMs: number;
  /** Arrival time of each streamed chunk (onToken) and its token count (countTokens, at least 1). */
  chunks: { atMs: number; tokens: number }[];
  /** Output tokens: the reply's usage, else counted (countTokens). 0 for a failed call. */
  outputTokens: number;
  ok: boolean;
  /** Why the call failed (`timeout: …` or the adapter's message). */
  error?: string;
}

class Timeout extends Error {}

/**
 * Makes one call with harness-side timestamps: the adapter only signals firstToken() and hands
 * chunks to onToken(delta); the harness stamps each with its own clock. `scheduled` is the due
 * time in open loop (undefined in closed loop: the send time). The call fails after
 * `timeoutMs` (harness-owned) or when `signal` aborts; a failure is a sample with ok false, never a throw.
 */
export async function timedCall(adapter: Adapter, item: WorkItem, now: () => number, scheduled: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<CallSample> {
  const chunks: { atMs: number; tokens: number }[] = [];
  let firstMs: number | undefined;
  let ctrl: AbortController | undefined;
  const ctx: CallContext = {
    get signal() {
      return (ctrl ??= new AbortController()).signal;
    },
    firstToken() {
      firstMs ??= now();
    },
    onToken(delta: string) {
      const at = now();
      chunks.push({ atMs: at, tokens: Math.max(1, countTokens(delta)) });
    },
  };
  const sentMs = now();
  const scheduledMs = scheduled ?? sentMs;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const reply = await new Promise<Reply>((resolve, reject) => {
      timer = setTimeout(() => {
        ctrl?.abort();
        reject(new Timeout(`timeout: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      if (signal) {
        onAbort = () => {
          ctrl?.abort();
          reject(new Error('interrupted'));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      adapter.call(item.request, item.caseId, ctx).then(resolve, reject);
    });
    const endMs = now();
    const outputTokens = reply.usage?.outputTokens ?? countTokens(reply.output);
    return { scheduledMs, sentMs, ...first(firstMs, chunks), endMs, chunks, outputTokens, ok: true };
  } catch (e) {
    const endMs = now();
    const error = e instanceof Error ? e.message : String(e);
    return { scheduledMs, sentMs, ...first(firstMs, chunks), endMs, chunks, outputTokens: 0, ok: false, error };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

function first(firstMs: number | undefined, chunks: { atMs: number }[]): { firstMs?: number } {
  const t = firstMs ?? chunks[0]?.atMs;
  return t === undefined ? {} : { firstMs: t };
}

/** Resolves after `ms` (at once for ms ≤ 0), or when the signal aborts. */
export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
