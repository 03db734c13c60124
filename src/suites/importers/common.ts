import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { InputError, type Location } from '../../core/errors.ts';
import { didYouMean } from '../../core/registry.ts';
import { CaseSchema, SuiteFileSchema, type Bilingual, type Case, type Lang, type Scenario, type SuiteFile } from '../../core/schemas.ts';

/** What every importer is given. */
export interface ImportOptions {
  /** The source file or folder, as the user gave it (messages name it this way). */
  source: string;
  /** Suite id (already checked against the id pattern). */
  id: string;
  /** `--lang`, when given; each format has its own default. */
  lang?: Lang;
  /** `--map` field=path pairs (jsonl). */
  map?: Record<string, string>;
}

/** A source record that was read but not turned into a case, and why. */
export interface Skip {
  /** The record as the source names it, e.g. `"question 390"` or `data.csv:12`. */
  record: string;
  /** One line: why it was left out. */
  reason: string;
  /** Short kind of reason, for the summary beyond 20 lines. */
  kind: string;
}

/** An importer's result: the suite, its cases, and what was left out. */
export interface ImportResult {
  suite: SuiteFile;
  /** Cases in source order; written to `cases/<scenario>.jsonl`. */
  cases: Case[];
  /** Records read from the source (= cases.length + skipped.length). */
  read: number;
  skipped: Skip[];
  /** Licence text of the data, written as LICENSE-data. */
  license?: { text: string; from: string };
  /** Lines worth telling the user (licence terms, template adjustments). */
  notes: string[];
  /** A comment put at the top of suite.yaml (without leading "# "). */
  header: string[];
}

/** An import format. */
export interface Importer {
  id: string;
  /** One line for `--help` and the authoring guide. */
  summary: string;
  run(opts: ImportOptions): Promise<ImportResult>;
}

/** The suite id pattern of the schemas (letters, digits and . _ : -, starting with a letter or digit). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Multiple-choice prompt templates (the finance suite's). */
export const CHOICE_PROMPTS: Record<'choice', { zh: string; en: string }> = {
  choice: {
    zh: '以下是一道单项选择题，请直接给出正确选项。\n问题：{{input}}\n{{#each choices}}{{letter @index}}. {{this}}\n{{/each}}答案：',
    en: 'The following is a multiple-choice question. Give the correct option.\nQuestion: {{input}}\n{{#each choices}}{{letter @index}}. {{this}}\n{{/each}}Answer:',
  },
};

export const INDICATOR_KNOWLEDGE = 'capability.performance.knowledge';
/** The choice scorer's limit on options (A..J). */
export const MAX_CHOICES = 10;
const LETTERS = 'ABCDEFGHIJ';

/** "Standards specifications" → "standards-specifications"; text without ASCII letters or digits gets a short hash. */
export function slugify(s: string, fallbackPrefix = 's'): string {
  const slug = s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug) return slug;
  return `${fallbackPrefix}-${createHash('sha256').update(s).digest('hex').slice(0, 8)}`;
}

/** A suite id from a folder name (`--out ./suites/tele-qna` → `tele-qna`). */
export function suiteIdFromDir(out: string): string {
  return slugify(basename(resolve(out)), 'suite');
}

/** Scenarios met while importing, in order of first appearance, with unique ids. */
export class ScenarioBook {
  private readonly byKey = new Map<string, Scenario>();
  private readonly ids = new Set<string>();
  constructor(private readonly threshold = 0.6) {}

  /** The scenario id for a category (created on first use). */
  id(key: string, name: Bilingual = { zh: key, en: key }): string {
    const known = this.byKey.get(key);
    if (known) return known.id;
    const base = slugify(key);
    let id = base;
    for (let n = 2; this.ids.has(id); n++) id = `${base}-${n}`;
    this.ids.add(id);
    this.byKey.set(key, { id, name, threshold: this.threshold });
    return id;
  }

  /** Scenarios that have at least one of the given cases. */
  used(cases: Case[]): Scenario[] {
    const has = new Set(cases.map((c) => c.scenario));
    return [...this.byKey.values()].filter((s) => has.has(s.id));
  }
}

/** Text compared for "the same option": NFKC, case-folded, whitespace collapsed. */
export function sameText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** 0-based index of an option letter ("B", " c ") among `count` options, or null. */
export function letterIndex(s: string, count: number): number | null {
  const t = s.trim().toUpperCase();
  if (t.length !== 1) return null;
  const i = LETTERS.indexOf(t);
  return i >= 0 && i < count ? i : null;
}

/** "A".."J" of an index. */
export const letterOf = (i: number): string => LETTERS[i] ?? `#${i}`;

/** A choice case ready to build, before the checks a case must pass. */
export interface ChoiceDraft {
  id: string;
  scenario: string;
  lang: Lang;
  input: string;
  choices: string[];
  answer: number;
  source: string;
  ref?: string;
  indicator?: string;
}

/**
 * Builds a choice case, or says why the record cannot be one (the caller records it as skipped).
 * Checks what the loader and the choice scorer would refuse, plus repeated options. The answer
 * must already be in range: an answer naming no option is a malformed source, not a skip.
 */
export function choiceCase(d: ChoiceDraft): { case: Case } | { kind: string; reason: string } {
  const input = d.input.trim();
  if (!input) return { kind: 'empty question', reason: 'the question is empty' };
  const choices = d.choices.map((c) => c.trim());
  if (choices.length < 2) return { kind: 'too few options', reason: `${choices.length} option(s); a choice case needs at least 2` };
  if (choices.length > MAX_CHOICES) return { kind: 'too many options', reason: `${choices.length} options; at most ${MAX_CHOICES} (A..J) can be scored` };
  const empty = choices.findIndex((c) => c === '');
  if (empty >= 0) return { kind: 'empty option', reason: `option ${letterOf(empty)} is empty` };
  const seen = new Map<string, number>();
  for (let i = 0; i < choices.length; i++) {
    const k = sameText(choices[i]);
    const j = seen.get(k);
    if (j !== undefined) return { kind: 'repeated option', reason: `options ${letterOf(j)} and ${letterOf(i)} read the same (${JSON.stringify(choices[i])})` };
    seen.set(k, i);
  }
  if (!Number.isInteger(d.answer) || d.answer < 0 || d.answer >= choices.length) throw new Error(`answer ${d.answer} out of range (importer bug)`);
  const c: Record<string, unknown> = {
    id: d.id,
    scenario: d.scenario,
    indicator: d.indicator ?? INDICATOR_KNOWLEDGE,
    lang: d.lang,
    task: 'choice',
    input,
    choices,
    answer: d.answer,
    source: d.source,
  };
  const ref = d.ref?.trim();
  if (ref) c.ref = ref;
  const parsed = CaseSchema.safeParse(c);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'invalid case', reason: `${issue.path.join('.') || 'case'}: ${issue.message}` };
  }
  return { case: parsed.data };
}

/** Parses `--map input=question,choices=options,answer=label` into field → path. */
export function parseMap(text: string, known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new InputError(`--map: "${p}" is not field=path`);
    const field = p.slice(0, eq).trim();
    const path = p.slice(eq + 1).trim();
    if (!known.includes(field)) throw new InputError(`--map: unknown field "${field}"${didYouMean(field, known)}; known: ${known.join(', ')}`);
    if (out[field] !== undefined) throw new InputError(`--map: "${field}" is mapped twice`);
    out[field] = path;
  }
  return out;
}

/** The licence file lying next to a source file (or inside a source folder), if any. */
export function findLicense(source: string): { text: string; from: string } | undefined {
  const dir = existsSync(source) && statSync(source).isDirectory() ? source : dirname(source);
  const names = readdirSync(dir).filter((f) => /^(LICEN[CS]E|COPYING)(\.(txt|md))?$/i.test(f)).sort();
  if (names.length === 0) return undefined;
  const from = join(dir, names[0]);
  return { text: readFileSync(from, 'utf8'), from };
}

/** Builds suite.yaml's content and checks it with the loader's schema. */
export function suiteFile(fields: {
  id: string;
  industry: string;
  name: Bilingual;
  description: Bilingual;
  scenarios: Scenario[];
  prompts: Record<string, { zh: string; en: string }>;
}): SuiteFile {
  return SuiteFileSchema.parse({
    id: fields.id,
    version: '0.1.0',
    industry: fields.industry,
    profile: 'certification',
    name: fields.name,
    description: fields.description,
    scenarios: fields.scenarios,
    prompts: fields.prompts,
  });
}

/** Throws when nothing could be imported, naming the first reasons. */
export function requireSome(result: Pick<ImportResult, 'cases' | 'skipped' | 'read'>, loc: Location): void {
  if (result.cases.length > 0) return;
  if (result.read === 0) throw new InputError('no records found', loc);
  const first = result.skipped.slice(0, 3).map((s) => `${s.record}: ${s.reason}`).join('; ');
  throw new InputError(`none of ${result.read} records could be imported (${first}${result.skipped.length > 3 ? '; …' : ''})`, loc);
}

/** Refuses an existing suite folder (an existing empty folder is accepted). */
export function refuseExisting(out: string): void {
  if (!existsSync(out)) return;
  if (statSync(out).isDirectory() && readdirSync(out).length === 0) return;
  throw new InputError('the suite folder already exists; refusing to overwrite it (choose a new --out)', { file: out });
}

/** Case file name of a scenario. */
export const caseFileOf = (scenario: string) => `cases/${scenario}.jsonl`;

/**
 * Writes the suite folder: suite.yaml, cases/<scenario>.jsonl and LICENSE-data. Everything is
 * written to a sibling temporary folder first and renamed into place, so a failed import leaves
 * nothing behind.
 */
export function writeSuite(out: string, r: ImportResult): { files: string[] } {
  refuseExisting(out);
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.importing-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const files: string[] = [];
  try {
    mkdirSync(join(tmp, 'cases'), { recursive: true });
    const head = r.header.map((l) => `# ${l}`.trimEnd()).join('\n');
    writeFileSync(join(tmp, 'suite.yaml'), `${head ? `${head}\n` : ''}${stringify(r.suite, { lineWidth: 0 })}`);
    files.push('suite.yaml');
    const byScenario = new Map<string, Case[]>();
    for (const c of r.cases) {
      const list = byScenario.get(c.scenario) ?? [];
      list.push(c);
      byScenario.set(c.scenario, list);
    }
    for (const s of r.suite.scenarios) {
      const list = byScenario.get(s.id) ?? [];
      writeFileSync(join(tmp, caseFileOf(s.id)), list.map((c) => JSON.stringify(c)).join('\n') + '\n');
      files.push(caseFileOf(s.id));
    }
    if (r.license) {
      writeFileSync(join(tmp, 'LICENSE-data'), r.license.text.endsWith('\n') ? r.license.text : `${r.license.text}\n`);
      files.push('LICENSE-data');
    }
    if (existsSync(target)) rmSync(target, { recursive: true }); // an empty folder, checked above
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { files };
}

/** Reads a text source, without a UTF-8 BOM; a missing or unreadable file is an InputError. */
export function readText(file: string, shown = file): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new InputError(`cannot read file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { file: shown });
  }
}

/** Zero-padded running number for case ids. */
export const pad = (n: number, width = 4) => String(n).padStart(width, '0');
