import type { Bilingual, Case, Catalog, CatalogItem, DimensionId, LevelId, LoadSpec, Scenario } from './schemas.ts';

export type { Bilingual, Case, Catalog, CatalogItem, DimensionId, Lang, LevelId, LoadScenario, LoadSpec, Profile, Scenario } from './schemas.ts';

/** A loaded, validated suite. */
export interface Suite {
  id: string;
  version: string;
  /** sha256 over the canonical form of suite.yaml and every case, in order. */
  digest: string;
  industry: string;
  name: Bilingual;
  profile?: string;
  scenarios: Scenario[];
  prompts: Record<string, { zh: string; en: string }>;
  cases: Case[];
  /** Absolute path of the suite folder. */
  root: string;
  /** Load scenarios of suite.yaml's `loads:` (measured after the cases). */
  loads?: LoadSpec[];
}

/** What the adapter is asked. */
export interface ModelRequest {
  /** Rendered prompt (user message). */
  prompt: string;
  /** Greedy decoding when 0. */
  temperature: number;
  /** Upper bound on generated tokens. */
  maxTokens: number;
  /** Optional continuations whose log-likelihood the adapter should return (multiple choice). */
  continuations?: string[];
  seed: number;
}

/** Token counts; `counted` when the harness counted rather than the server reported. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** True when the harness counted the tokens (heuristic) because the server reported none. */
  counted?: boolean;
}

/** What an adapter returns. Adapters take no timestamps: the engine does. */
export interface Reply {
  output: string;
  /** Sum of token log-probabilities of each continuation (nats), when asked and supported. */
  logprobs?: number[];
  /** Token counts of each continuation, for length normalisation. */
  continuationTokens?: number[];
  usage?: Usage;
  /** Replay only: the timing recorded when the response was first obtained. */
  replayedTiming?: Timing;
  /** HTTP adapters: how many attempts the call took (1 when the first succeeded). */
  attempts?: number;
}

/** Static facts about the model under test. */
export interface ModelInfo {
  id: string;
  spec: string;
  kind: string;
  /** sha256 over the model's files (or of the replay journal). */
  digest?: string;
  /** Execution provider actually used, e.g. `cpu`. */
  device?: string;
  /** Load time (ms), as measured by the harness. */
  loadMs?: number;
  /** Size of the model files (bytes). */
  bytes?: number;
  /** Growth of the process's resident memory (RSS) over the model load (MB = 2^20 bytes). */
  rssMb?: number;
  supportsLogprobs: boolean;
  /** cmd: models: how many times the program was restarted after a crash (so far). */
  restarts?: number;
  /** cmd: models: stdout lines matching no call in flight (garbage, or late replies), ignored. */
  unmatchedLines?: number;
}

/** Context the engine hands to every call. */
export interface CallContext {
  signal: AbortSignal;
  /** The adapter calls this when the first output token or chunk is available; the engine stamps the time. */
  firstToken(): void;
  /**
   * Optional streaming hook: when given, an adapter that can stream cheaply hands it each new piece
   * of output as decoded; the pieces concatenate to a prefix of the final `Reply.output`.
   */
  onToken?(delta: string): void;
}

/** A model behind a uniform interface (onnx:, replay:, openai:, cmd:). */
export interface Adapter {
  readonly id: string;
  describe(): ModelInfo;
  call(request: ModelRequest, caseId: string, ctx: CallContext): Promise<Reply>;
  /** Sum of token log-probabilities (nats) and token count of each continuation after the prompt. */
  loglik?(prompt: string, continuations: string[], signal: AbortSignal): Promise<{ logprobs: number[]; tokens: number[] }>;
  close(): Promise<void>;
}

/** Engine-taken timing of one call (ms, from process.hrtime.bigint()). */
export interface Timing {
  /** Wall-clock start, ISO 8601 UTC. */
  startedAt: string;
  /** End-to-end latency (ms). */
  latencyMs: number;
  /** Time to first token (ms), when the adapter reports one. */
  ttftMs?: number;
}

/**
 * A run-level measurement (a load scenario, an endpoint conformance check, the deployment footprint,
 * the energy use): not tied to one case, turned into one score row of a catalogue item. Kept in the
 * bundle's measurements.json; its `invalid` makes the item's dimension (and so the run) INVALID.
 */
export interface Measurement {
  /** Catalogue item id, e.g. `operations.throughput.requests`. */
  indicator: string;
  /** Stable id of this measurement within the run, e.g. `load:server`, `conformance:done-marker`; becomes the score's caseId. */
  id: string;
  /** Score 0..1 (1 = meets the profile's target). */
  value: number;
  pass: boolean;
  /** What was measured, in words with units, e.g. `p90 412 ms ≤ 2000 ms`. */
  reason: string;
  /** Raw figures (units in the key: `_ms`, `_mb`, `_per_s`, `_j`). */
  extra?: Record<string, number | string | boolean | null>;
  /** A broken measurement rule (e.g. `UNSTABLE: ...`, `min-duration: ...`): the dimension is INVALID with this reason. */
  invalid?: string;
}

/** `main` answers, or `repeat` re-asks for the determinism check. */
export type Phase = 'main' | 'repeat';

/**
 * One line of responses.jsonl: a failed call is data, never a throw. `prompt` (the rendered prompt)
 * is written only for generated perturbed variants (`<case id>~<kind>`), whose text is in no suite file.
 */
export type ResponseRecord =
  | { caseId: string; phase: Phase; status: 'ok'; output: string; logprobs?: number[]; continuationTokens?: number[]; usage?: Usage; attempts?: number; timing: Timing; prompt?: string }
  | { caseId: string; phase: Phase; status: 'error'; error: { kind: 'timeout' | 'adapter' | 'aborted'; message: string }; timing: Timing; prompt?: string };

/** One line of scores.jsonl. `value` is 0..1; a wrong answer is value 0, never an error. */
export interface Score {
  caseId: string;
  indicator: string;
  value: number;
  pass: boolean;
  reason: string;
  /** Extra figures, e.g. the log-likelihood choice. */
  extra?: Record<string, number | string | boolean | null>;
}

export interface IndicatorResult {
  id: string;
  dimension: DimensionId;
  domain: string;
  name: Bilingual;
  /** Mean score 0..1, null when nothing was measured. */
  value: number | null;
  n: number;
  /** 95% interval (0..1). */
  ci: [number, number] | null;
  /** Interval method: wilson (pass/fail) or t (continuous). */
  ciMethod?: 'wilson' | 't' | 'cluster';
  /** Item passes the profile's floor / suite threshold. */
  pass: boolean | null;
  /** Secondary figures, e.g. log-likelihood accuracy. */
  extra?: Record<string, number>;
  note?: string;
  /** Machine form of `note`, for reports in either language. */
  noteCode?: 'not-measured' | 'evidence-not-reviewed';
  /** The floor the item is judged against (mandatory minimum, else the profile's item_pass). */
  floor?: number;
}

export interface DimensionResult {
  id: DimensionId;
  name: Bilingual;
  /** 0..100, null when nothing was measured (with `reason`). */
  value: number | null;
  grade: LevelId | null;
  reason?: string;
  /** Broken measurement rules of this dimension (e.g. an UNSTABLE load result): the dimension is INVALID. */
  invalid?: string[];
}

/** One broken validity rule in machine form (the `reasons` strings are its English text). */
export type ValidityDetail =
  | { code: 'missing-responses'; missing: number; cases: number }
  | { code: 'error-rate'; rate: number; max: number }
  | { code: 'min-cases'; item: string; n: number; min: number }
  | { code: 'audit-consistency'; share: number; min: number }
  | { code: 'audit-caching'; speedup: number; max: number }
  | { code: 'measurement'; id: string; item: string; dimension: string; reason: string };

/** One validity rule as checked on this run (passed or not), for CI reports. */
export interface ValidityCheck {
  /** `responses-complete`, `max-error-rate`, or `min-cases:<item>`. */
  id: string;
  passed: boolean;
  message: string;
}

export interface Validity {
  valid: boolean;
  reasons: string[];
  details?: ValidityDetail[];
  checks?: ValidityCheck[];
}

/** A mandatory item that capped the level. */
export interface CapDetail {
  item: string;
  value: number | null;
  min: number;
  cap: LevelId;
  reason: Bilingual;
}

export interface ScenarioResult {
  id: string;
  name: Bilingual;
  value: number | null;
  n: number;
  threshold: number;
  pass: boolean | null;
}

/** scorecard.json */
export interface Scorecard {
  schema: 'modelgrade.scorecard/v1';
  suite: { id: string; version: string; digest: string; industry: string; name: Bilingual };
  model: { id: string; digest?: string; device?: string };
  profile: { id: string; version: string };
  /** Overall 0..100 over measured dimensions. */
  overall: number | null;
  grade: LevelId | null;
  caps: string[];
  capDetails?: CapDetail[];
  validity: Validity;
  dimensions: DimensionResult[];
  indicators: IndicatorResult[];
  scenarios: ScenarioResult[];
  counts: { cases: number; responses: number; errors: number; scored: number };
}


/** Checks task-specific fields of a case (given by the scorer registry; suites import core only). */
export interface TaskChecker {
  names(): string[];
  /** Returns a problem with the case's task fields, or undefined. Unknown tasks are caught by the loader. */
  check(c: Case): { field: string; message: string } | undefined;
}

/** A catalogue item with its place in the tree. */
export interface IndexedItem extends CatalogItem {
  dimension: DimensionId;
  domain: string;
  domainName: Bilingual;
}

/** The indicator catalogue with an index by item id. */
export interface LoadedCatalog extends Catalog {
  items: Map<string, IndexedItem>;
}
