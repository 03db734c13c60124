import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { InputError } from '../../core/errors.ts';
import type { Adapter, CallContext, ModelInfo, ModelRequest, Reply } from '../../core/types.ts';
import type { FromWorker, ToWorker, WorkerInit } from './onnx-protocol.ts';

/** Execution providers `--device` accepts. */
export const DEVICES = ['cpu', 'cuda', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];

/** The opt-in step that installs onnxruntime-node's CUDA execution provider. */
export const CUDA_INSTALL_STEP = 'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node';

/** Files of a model folder that the digest covers (every file, sorted by path). */
function modelFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** sha256 over (relative path, sha256 of content) of every file of a model folder. */
async function folderDigest(dir: string, files: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const f of files) h.update(`${relative(dir, f)}\0${createHash('sha256').update(await readFile(f)).digest('hex')}\n`);
  return h.digest('hex');
}

/**
 * How to start the worker next to this module: onnx-worker.js when running from dist/; when
 * running the sources, onnx-worker.ts loaded through tsx (resolved from this module, so it does not
 * depend on the working directory). On Node 20 `execArgv: ['--import', 'tsx']` does not apply tsx's
 * hooks to a worker's entry module, so a two-line bootstrap registers tsx and then imports it.
 */
function workerSource(): { source: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { source: new URL('./onnx-worker.js', import.meta.url), eval: false };
  const entry = new URL('./onnx-worker.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  return { source: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, eval: true };
}

/** A load failure in the worker, as the bad input it is (exit 2). */
function loadError(message: string, device: Device, dirArg: string): InputError {
  if (device === 'cuda' && /cuda|provider/i.test(message)) {
    return new InputError(`the CUDA execution provider is not installed (${message}). Install it with: ${CUDA_INSTALL_STEP}`);
  }
  return new InputError(`cannot load model: ${message}`, { file: dirArg });
}

/** Starts the worker and waits until it has loaded the model (or failed to). */
function startWorker(init: WorkerInit): Promise<{ worker: Worker; first: FromWorker }> {
  const src = workerSource();
  const worker = new Worker(src.source, { workerData: init, ...(src.eval ? { eval: true, execArgv: [] } : {}) });
  return new Promise((res, rej) => {
    const onMessage = (first: FromWorker) => done(() => res({ worker, first }));
    const onError = (e: Error) => done(() => rej(e));
    const onExit = (code: number) => done(() => rej(new Error(`the onnx worker exited (code ${code}) while loading the model`)));
    const done = (f: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      f();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** A request to the worker before the adapter numbers it and adds its abort flag. */
type Request = ToWorker extends infer T ? (T extends ToWorker ? Omit<T, 'id' | 'abort'> : never) : never;

/** A call waiting for its worker's answer. */
interface Pending {
  resolve(m: FromWorker): void;
  reject(e: unknown): void;
  ctx?: CallContext;
}

/**
 * A model folder in the Hugging Face / transformers.js layout (config.json, tokenizer.json,
 * onnx/model.onnx), run by @huggingface/transformers on onnxruntime-node in a worker thread
 * (onnx-worker.ts), so that decoding never blocks the main thread where the engine takes its
 * timestamps. The native runtime is loaded only there, and only when a model is opened.
 *
 * Timing: the worker runs one call at a time (one session), in arrival order; the engine's
 * timestamps are taken on the main thread from the start of `call`, so with concurrency above 1
 * latency and time to first token include the wait in the worker's queue and one message hop
 * (`ctx.firstToken()` is called when the worker's "first token" message arrives).
 *
 * Abort: when `ctx.signal` (or loglik's signal) aborts, a flag shared with the worker
 * (SharedArrayBuffer) is set; the worker stops before its next decoding step and the call rejects
 * with the signal's reason. A queued call that was aborted is never started.
 *
 * `describe()`: `device` is the execution provider the session was created with — transformers.js
 * passes onnxruntime exactly that one provider, without fallback, and onnxruntime-node does not
 * report providers per session, so it is recorded only once the session exists; `loadMs` is the
 * time from starting the worker until the model is ready (ms); `rssMb` is the growth of the
 * process's resident memory over that load (MB of 2^20 bytes; the worker's memory is in the same
 * process; run from the sources it also holds tsx's compiler in the worker); `bytes` and `digest`
 * cover every file of the folder.
 *
 * `close()` terminates the worker. While no call is pending the worker does not keep the process
 * alive.
 */
export async function openOnnx(dirArg: string, opts: { device: Device; id?: string }): Promise<Adapter> {
  const dir = resolve(dirArg);
  for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
    if (!existsSync(join(dir, f))) throw new InputError(`not a model folder: ${f} is missing (expected the Hugging Face / transformers.js layout)`, { file: dirArg });
  }
  const files = modelFiles(dir);
  const digest = await folderDigest(dir, files);
  const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
  const rss0 = process.memoryUsage.rss();
  const t0 = performance.now();
  const { worker, first } = await startWorker({ dir, device: opts.device });
  if (first.type !== 'ready') {
    await worker.terminate();
    if (first.type === 'load-error') throw loadError(first.message, opts.device, dirArg);
    throw new Error(`internal: the onnx worker sent "${first.type}" before it was ready`);
  }
  const loadMs = performance.now() - t0;
  const rssMb = Math.max(0, process.memoryUsage.rss() - rss0) / 2 ** 20;
  worker.unref();

  const info: ModelInfo = {
    id: opts.id ?? basename(dir),
    spec: `onnx:${dirArg}`,
    kind: 'onnx',
    digest,
    device: first.device,
    loadMs: Math.round(loadMs * 10) / 10,
    rssMb: Math.round(rssMb * 10) / 10,
    bytes,
    supportsLogprobs: true,
  };

  let nextId = 1;
  const pending = new Map<number, Pending>();
  // Requests the worker has not answered yet, with their abort flags (a caller may have given up on
  // one already): close() lets the worker finish them before terminating it, because terminating a
  // worker inside onnxruntime's session.run aborts the whole process.
  const inWorker = new Map<number, Int32Array>();
  let idle: (() => void) | undefined;
  let gone: Error | undefined;
  const settle = (id: number): Pending | undefined => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return p;
  };
  const failAll = (e: Error) => {
    gone ??= e;
    for (const id of [...pending.keys()]) settle(id)!.reject(gone);
  };
  worker.on('message', (m: FromWorker) => {
    if (!('id' in m)) return;
    if (m.type !== 'first' && m.type !== 'token') {
      inWorker.delete(m.id);
      if (inWorker.size === 0) idle?.();
    }
    if (m.type === 'first') pending.get(m.id)?.ctx?.firstToken();
    else if (m.type === 'token') pending.get(m.id)?.ctx?.onToken?.(m.delta);
    else if (m.type === 'error') settle(m.id)?.reject(new Error(m.aborted ? 'aborted' : m.message));
    else settle(m.id)?.resolve(m);
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new Error(`the onnx worker exited (code ${code})`)));

  /** Posts one request; resolves with the worker's final message for it. */
  function request(msg: Request, signal: AbortSignal, ctx?: CallContext): Promise<FromWorker> {
    if (gone) return Promise.reject(gone);
    if (signal.aborted) return Promise.reject(reasonOf(signal));
    const id = nextId++;
    const abort = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(abort, 0, 1);
    signal.addEventListener('abort', onAbort, { once: true });
    return new Promise<FromWorker>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject: (e) => reject(signal.aborted ? reasonOf(signal) : e), ctx });
      inWorker.set(id, abort);
      worker.postMessage({ ...msg, id, abort } as ToWorker);
    }).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  }

  return {
    id: info.id,
    describe: () => info,
    async call(req: ModelRequest, _caseId: string, ctx: CallContext): Promise<Reply> {
      const m = await request({ type: 'call', prompt: req.prompt, temperature: req.temperature, maxTokens: req.maxTokens, stream: Boolean(ctx.onToken) }, ctx.signal, ctx);
      if (m.type !== 'reply') throw new Error(`internal: the onnx worker answered a call with "${m.type}"`);
      return { output: m.output, usage: { inputTokens: m.inputTokens, outputTokens: m.outputTokens } };
    },
    /** Sum of token log-probabilities (nats) of each continuation after the prompt. */
    async loglik(prompt: string, continuations: string[], signal: AbortSignal) {
      const m = await request({ type: 'loglik', prompt, continuations }, signal ?? new AbortController().signal);
      if (m.type !== 'loglik') throw new Error(`internal: the onnx worker answered loglik with "${m.type}"`);
      return { logprobs: m.logprobs, tokens: m.tokens };
    },
    async close() {
      failAll(new Error('the model was closed'));
      // Abort what the worker still runs and wait (at most 5 s) until it stops between two steps.
      for (const flag of inWorker.values()) Atomics.store(flag, 0, 1);
      if (inWorker.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5000);
          idle = () => (clearTimeout(timer), resolve());
          worker.ref();
        });
      }
      await worker.terminate();
    },
  };
}

/** What an aborted call rejects with: the signal's reason when it is an error. */
function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
