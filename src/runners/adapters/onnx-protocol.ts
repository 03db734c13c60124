/**
 * Messages between the onnx adapter (main thread, onnx.ts) and its inference worker
 * (onnx-worker.ts). One worker per opened model; calls are numbered by the main side.
 */

/** What the worker is started with (workerData). */
export interface WorkerInit {
  /** Absolute path of the model folder. */
  dir: string;
  /** Execution provider asked for (`cpu`, `cuda`, `webgpu`). */
  device: string;
}

/**
 * Main → worker. `abort` is a one-element Int32Array over a SharedArrayBuffer: the main thread sets
 * it to 1 when the caller aborts, and the worker checks it before every decoding step.
 */
export type ToWorker =
  | { type: 'call'; id: number; prompt: string; temperature: number; maxTokens: number; stream: boolean; abort: Int32Array }
  | { type: 'loglik'; id: number; prompt: string; continuations: string[]; abort: Int32Array };

/** Worker → main. */
export type FromWorker =
  /** The model is loaded; `device` is the execution provider its session was created with. */
  | { type: 'ready'; device: string }
  /** Loading failed; `message` is the first line of the runtime's error. */
  | { type: 'load-error'; message: string }
  /** The first output token of call `id` is known. */
  | { type: 'first'; id: number }
  /** New streamed text of call `id` (only for calls with `stream`). */
  | { type: 'token'; id: number; delta: string }
  | { type: 'reply'; id: number; output: string; inputTokens: number; outputTokens: number }
  | { type: 'loglik'; id: number; logprobs: number[]; tokens: number[] }
  /** Call `id` failed, or stopped because it was aborted (`aborted`). */
  | { type: 'error'; id: number; message: string; aborted: boolean };
