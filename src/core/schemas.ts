import { z } from 'zod';

/** Text in both languages of the scorecard. */
export const Bilingual = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();
export type Bilingual = z.infer<typeof Bilingual>;

export const Lang = z.enum(['zh', 'en']);
export type Lang = z.infer<typeof Lang>;

const Id = z.string().min(1).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');

/** One line of a suite's `cases/*.jsonl`. `task` picks the scorer; each scorer checks its own fields. */
export const CaseSchema = z
  .object({
    id: Id,
    scenario: Id,
    indicator: Id,
    lang: Lang,
    task: Id,
    input: z.string().min(1),
    choices: z.array(z.string().min(1)).min(2).optional(),
    answer: z.number().int().optional(),
    expected: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    aliases: z.array(z.string().min(1)).optional(),
    source: z.string().min(1),
    ref: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    // Task fields of the judging scorers (each scorer's check() validates them further).
    /** numeric: absolute tolerance, |reply − expected| ≤ tolerance. */
    tolerance: z.number().nonnegative().optional(),
    /** numeric: relative tolerance, |reply − expected| ≤ rel_tolerance × |expected|. */
    rel_tolerance: z.number().nonnegative().optional(),
    /** numeric: "%" when expected is in percent (then "12.5%" and a bare 0.125 both read as 12.5). */
    unit: z.enum(['%']).optional(),
    /** regex: an ECMAScript pattern the reply must match (searched, not anchored). */
    pattern: z.string().min(1).optional(),
    /** regex: RegExp flags for `pattern` (not g or y). */
    flags: z.string().optional(),
    /** json: a JSON Schema (the subset documented in metrics/json.ts) the reply must conform to. */
    schema: z.record(z.string(), z.unknown()).optional(),
    /** format: instruction-following constraints; value = share met. */
    constraints: z
      .object({
        max_chars: z.number().int().nonnegative().optional(),
        min_chars: z.number().int().nonnegative().optional(),
        max_lines: z.number().int().positive().optional(),
        must_include: z.array(z.string().min(1)).min(1).optional(),
        must_not_include: z.array(z.string().min(1)).min(1).optional(),
        starts_with: z.string().min(1).optional(),
        ends_with: z.string().min(1).optional(),
        language: Lang.optional(),
        bullet_count: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    /** overlap: keywords the reply should cover; an inner array lists synonyms of one keyword. */
    keywords: z.array(z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])).min(1).optional(),
    /** overlap: pass at value ≥ threshold (default 0.5). */
    threshold: z.number().min(0).max(1).optional(),
    /** pii: secrets planted in the prompt that must not come back (compared without spaces and dashes). */
    planted: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();
export type Case = z.infer<typeof CaseSchema>;

export const ScenarioSchema = z
  .object({ id: Id, name: Bilingual, threshold: z.number().min(0).max(1) })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;

/** Load scenarios of `modelgrade load` (see docs/timing.md). */
export const LoadScenario = z.enum(['single-stream', 'server', 'offline', 'soak']);
export type LoadScenario = z.infer<typeof LoadScenario>;

/** One entry of suite.yaml's `loads:`: a load scenario `run` measures after the cases. */
export const LoadSpecSchema = z
  .object({
    scenario: LoadScenario,
    /** Offered rate (requests/s) of server and soak. */
    rate: z.number().positive().optional(),
    /** Run length (s); default the profile's load.min_duration_s. */
    duration_s: z.number().positive().optional(),
    /** Queries to issue at least; default the profile's load.min_queries. */
    queries: z.number().int().min(1).optional(),
    arrivals: z.enum(['poisson', 'gamma']).optional(),
    /** Gamma shape k (1 = Poisson; < 1 burstier). */
    gamma_shape: z.number().positive().optional(),
    /** Calls in flight at most (offline); default 8. */
    concurrency: z.number().int().min(1).optional(),
  })
  .strict();
export type LoadSpec = z.infer<typeof LoadSpecSchema>;

/** `suite.yaml`. */
export const SuiteFileSchema = z
  .object({
    id: Id,
    version: z.string().min(1),
    industry: Id,
    name: Bilingual,
    description: Bilingual.optional(),
    profile: Id.optional(),
    scenarios: z.array(ScenarioSchema).min(1),
    /** Handlebars prompt templates per task and language. */
    prompts: z.record(z.string(), z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict()),
    /** Case files relative to the suite folder; default: every `cases/*.jsonl`. */
    cases: z.array(z.string().min(1)).optional(),
    /** Load scenarios measured after the cases (operations dimension). */
    loads: z.array(LoadSpecSchema).optional(),
  })
  .strict();
export type SuiteFile = z.infer<typeof SuiteFileSchema>;

export const ItemSchema = z
  .object({
    id: Id,
    name: Bilingual,
    description: Bilingual,
    method: z.enum(['measured', 'evidence']),
    measure: z.string().optional(),
    direction: z.literal('higher'),
  })
  .strict();
export const DomainSchema = z.object({ id: Id, name: Bilingual, items: z.array(ItemSchema).min(1) }).strict();
export const DimensionId = z.enum(['development', 'capability', 'operations', 'application', 'trustworthiness']);
export type DimensionId = z.infer<typeof DimensionId>;
export const DIMENSIONS: readonly DimensionId[] = DimensionId.options;

/** `suites/catalog/catalog.yaml`: dimension > domain > item. */
export const CatalogSchema = z
  .object({
    version: z.number().int(),
    dimensions: z
      .array(
        z
          .object({ id: DimensionId, name: Bilingual, description: Bilingual.optional(), domains: z.array(DomainSchema).min(1) })
          .strict(),
      )
      .length(5),
  })
  .strict();
export type Catalog = z.infer<typeof CatalogSchema>;
export type CatalogItem = z.infer<typeof ItemSchema>;

export const LevelId = z.enum(['L1', 'L2', 'L3', 'L4', 'L5']);
export type LevelId = z.infer<typeof LevelId>;

/** A grading profile (`suites/profiles/*.yaml`). */
export const ProfileSchema = z
  .object({
    id: Id,
    version: z.string().min(1),
    name: Bilingual,
    description: Bilingual.optional(),
    levels: z.array(z.object({ id: LevelId, min: z.number().min(0).max(100) }).strict()).min(1),
    dimension_weights: z.record(DimensionId, z.number().min(0)),
    item_weights: z.record(z.string(), z.number().min(0)).optional(),
    mandatory: z
      .array(z.object({ item: Id, min: z.number().min(0).max(1), cap: LevelId, reason: Bilingual }).strict())
      .default([]),
    /** An item passes when its value reaches this share (mandatory items use their own floor). */
    item_pass: z.number().min(0).max(1).default(0.6),
    slo: z.object({ e2e_ms: z.number().positive(), ttft_ms: z.number().positive().optional() }).strict(),
    determinism: z.object({ repeats: z.number().int().min(0) }).strict(),
    /** Audit checks on the re-asked sample (validity rules; see metrics/audit.ts). */
    audit: z
      .object({
        min_consistency: z.number().min(0).max(1).default(0.95),
        max_speedup: z.number().min(1).default(5),
        min_latency_ms: z.number().min(0).default(50),
      })
      .strict()
      .default({ min_consistency: 0.95, max_speedup: 5, min_latency_ms: 50 }),
    /** Validity rules of load scenarios (MLPerf-style; see docs/timing.md). */
    load: z
      .object({
        /** A scenario measured over less time (s) is INVALID. */
        min_duration_s: z.number().positive().default(60),
        /** A scenario with fewer completed queries is INVALID. */
        min_queries: z.number().int().min(1).default(1024),
        /** Equal windows the measured span is split into. */
        windows: z.number().int().min(2).default(10),
        /** How many trailing windows must agree on throughput (else UNSTABLE)... */
        stability_windows: z.number().int().min(2).default(3),
        /** ...within this share: (max − min) / min of their req/s. */
        stability_tolerance: z.number().positive().default(0.1),
        /** Largest tolerated change of p90 latency and throughput from the first to the last window (drift checks). */
        drift_tolerance: z.number().positive().default(0.25),
      })
      .strict()
      .default({ min_duration_s: 60, min_queries: 1024, windows: 10, stability_windows: 3, stability_tolerance: 0.1, drift_tolerance: 0.25 }),
    validity: z
      .object({
        min_cases_per_item: z.number().int().min(1),
        max_error_rate: z.number().min(0).max(1),
        require_seed: z.boolean().default(true),
      })
      .strict(),
  })
  .strict();
export type Profile = z.infer<typeof ProfileSchema>;
