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
  })
  .strict();
export type Case = z.infer<typeof CaseSchema>;

export const ScenarioSchema = z
  .object({ id: Id, name: Bilingual, threshold: z.number().min(0).max(1) })
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;

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
