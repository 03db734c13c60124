/**
 * The onnx adapter's inference worker (a node:worker_threads Worker started by onnx.ts): owns the
 * tokenizer, the model and its onnxruntime session, so decoding never blocks the main thread's
 * event loop. Requests run one at a time, in the order they arrive (one session); a call whose
 * abort flag is set stops before its next decoding step. See onnx-protocol.ts for the messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DecodeAborted, loadDecoder, type Decoder } from './onnx-decode.ts';
import type { FromWorker, ToWorker, WorkerInit } from './onnx-protocol.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);

const decoder: Decoder | undefined = await loadDecoder(init.dir, init.device).catch((e: unknown) => {
  post({ type: 'load-error', message: (e instanceof Error ? e.message : String(e)).split('\n')[0] });
  return undefined;
});

/** Answers one request; every failure becomes an `error` message, never a throw. */
async function handle(decoder: Decoder, m: ToWorker): Promise<void> {
  const aborted = () => Atomics.load(m.abort, 0) !== 0;
  try {
    if (m.type === 'call') {
      const r = await decoder.generate(m, {
        firstToken: () => post({ type: 'first', id: m.id }),
        onToken: m.stream ? (delta) => post({ type: 'token', id: m.id, delta }) : undefined,
        aborted,
      });
      post({ type: 'reply', id: m.id, ...r });
    } else {
      if (aborted()) throw new DecodeAborted();
      const r = await decoder.loglik(m.prompt, m.continuations, aborted);
      post({ type: 'loglik', id: m.id, ...r });
    }
  } catch (e) {
    post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e), aborted: e instanceof DecodeAborted });
  }
}

// One call at a time, in arrival order: ORT runs one call of a session at a time anyway, and the
// main thread's timestamps (taken from call start) include this queue.
let queue: Promise<void> = Promise.resolve();
if (decoder) {
  port.on('message', (m: ToWorker) => {
    queue = queue.then(() => handle(decoder, m));
  });
  post({ type: 'ready', device: init.device });
} else {
  port.close(); // the main side terminates this worker after a load error
}
