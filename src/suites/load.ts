import { createHash } from 'node:crypto';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { SUITES_DIR } from './paths.ts';
import { readYamlFileWithLines } from '../core/yaml.ts';
import { readJsonl } from '../core/jsonl.ts';
import { checkTemplate } from './prompt.ts';
import { canonicalJson } from '../core/hash.ts';
import { InputError } from '../core/errors.ts';
import { didYouMean } from '../core/registry.ts';
import { zodToInputError } from '../core/zod-errors.ts';
import { CaseSchema, SuiteFileSchema, type Case } from '../core/schemas.ts';
import type { Suite, TaskChecker } from '../core/types.ts';

/** Longest line of a case file (bytes, 1 MiB): a case is a question, not a document. */
export const MAX_CASE_LINE_BYTES = 1024 * 1024;

/** Ids of the built-in suites (folders of suites/ holding a suite.yaml). */
export function builtinSuites(): string[] {
  return readdirSync(SUITES_DIR)
    .filter((d) => existsSync(join(SUITES_DIR, d, 'suite.yaml')))
    .sort();
}

/** Resolves `--suite <id|dir>` to a suite folder. */
export function resolveSuiteDir(idOrDir: string): string {
  if (existsSync(idOrDir) && statSync(idOrDir).isDirectory()) {
    if (!existsSync(join(idOrDir, 'suite.yaml'))) throw new InputError(`no suite.yaml in folder`, { file: idOrDir });
    return resolve(idOrDir);
  }
  const builtin = join(SUITES_DIR, idOrDir);
  if (/^[A-Za-z0-9_-]+$/.test(idOrDir) && existsSync(join(builtin, 'suite.yaml'))) return builtin;
  throw new InputError(`unknown suite "${idOrDir}": not a built-in suite id nor a folder with suite.yaml${didYouMean(idOrDir, builtinSuites())}`);
}

/** What the loader checks case references against. */
export interface SuiteCheckers {
  /** Catalogue item ids a case may name as its indicator. */
  indicators: ReadonlySet<string>;
  tasks: TaskChecker;
}

/** Resolves a path named by a suite and requires it to stay inside the suite folder (no ../, absolute paths or symlinks out). */
export function insideSuite(root: string, rel: string, file: string, at: { line?: number; field?: string } = {}): string {
  if (isAbsolute(rel)) throw new InputError(`path "${rel}" must be relative to the suite folder`, { file, ...at });
  const full = resolve(root, rel);
  // The real path of the nearest existing ancestor, so a missing file under a symlinked folder is judged where it would be.
  let head = full;
  let tail = '';
  while (!existsSync(head) && dirname(head) !== head) {
    tail = tail ? join(basename(head), tail) : basename(head);
    head = dirname(head);
  }
  const real = tail ? join(realpathSync(head), tail) : realpathSync(head);
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new InputError(`path "${rel}" leaves the suite folder`, { file, ...at });
  return real;
}

/**
 * Loads and validates a suite: suite.yaml and every case file. Any problem is an InputError naming
 * the file and line (and field). The digest covers suite.yaml's content and every case, in order.
 */
export async function loadSuite(idOrDir: string, check: SuiteCheckers): Promise<Suite> {
  const root = resolveSuiteDir(idOrDir);
  const show = (p: string) => relative(process.cwd(), p) || p;
  const yamlFile = join(root, 'suite.yaml');
  const { data: def, lineOf } = await readYamlFileWithLines(yamlFile, SuiteFileSchema, show(yamlFile));
  const scenarios = new Set(def.scenarios.map((s) => s.id));
  if (scenarios.size !== def.scenarios.length) {
    const dup = def.scenarios.findIndex((s, i) => def.scenarios.findIndex((t) => t.id === s.id) !== i);
    throw new InputError(`scenario ids must be unique ("${def.scenarios[dup].id}" repeats)`, { file: show(yamlFile), line: lineOf(['scenarios', dup, 'id']), field: `scenarios.${dup}.id` });
  }
  for (const [task, byLang] of Object.entries(def.prompts)) {
    for (const lang of ['zh', 'en'] as const) {
      const problem = checkTemplate(byLang[lang]);
      if (problem) throw new InputError(`prompt template: ${problem}`, { file: show(yamlFile), line: lineOf(['prompts', task, lang]), field: `prompts.${task}.${lang}` });
    }
  }
  const files = def.cases
    ? def.cases.map((rel, i) => insideSuite(root, rel, show(yamlFile), { line: lineOf(['cases', i]), field: `cases.${i}` }))
    : listCaseFiles(root).map((rel) => insideSuite(root, rel, show(yamlFile)));
  if (files.length === 0) throw new InputError('the suite has no case files (cases/*.jsonl)', { file: show(yamlFile) });

  const hash = createHash('sha256').update(canonicalJson(def)).update('\n');
  const cases: Case[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    if (!existsSync(file)) throw new InputError('case file not found', { file: show(file) });
    if (!statSync(file).isFile()) throw new InputError('not a file (a case file is JSONL, one case per line)', { file: show(file) });
    for await (const { line, value } of readJsonl(file, { displayName: show(file), maxLineBytes: MAX_CASE_LINE_BYTES })) {
      const loc = { file: show(file), line };
      const parsed = CaseSchema.safeParse(value);
      if (!parsed.success) throw zodToInputError(parsed.error, loc);
      const c = parsed.data;
      const prev = seen.get(c.id);
      if (prev) throw new InputError(`duplicate case id "${c.id}" (first at ${prev})`, { ...loc, field: 'id' });
      seen.set(c.id, `${loc.file}:${line}`);
      if (!scenarios.has(c.scenario)) throw new InputError(`unknown scenario "${c.scenario}"${didYouMean(c.scenario, scenarios) || ` (suite.yaml declares: ${[...scenarios].join(', ')})`}`, { ...loc, field: 'scenario' });
      if (!check.indicators.has(c.indicator)) throw new InputError(`unknown indicator "${c.indicator}"${didYouMean(c.indicator, check.indicators)}`, { ...loc, field: 'indicator' });
      if (!check.tasks.names().includes(c.task)) throw new InputError(`unknown task "${c.task}"${didYouMean(c.task, check.tasks.names())}`, { ...loc, field: 'task' });
      if (!def.prompts[c.task]) throw new InputError(`suite.yaml has no prompt template for task "${c.task}"`, { ...loc, field: 'task' });
      const problem = check.tasks.check(c);
      if (problem) throw new InputError(problem.message, { ...loc, field: problem.field });
      hash.update(canonicalJson(c)).update('\n');
      cases.push(c);
    }
  }
  if (cases.length === 0) throw new InputError(`the suite has no cases (${files.map(show).join(', ')} ${files.length === 1 ? 'is' : 'are'} empty)`, { file: show(yamlFile) });
  return {
    id: def.id,
    version: def.version,
    digest: hash.digest('hex'),
    industry: def.industry,
    name: def.name,
    profile: def.profile,
    scenarios: def.scenarios,
    prompts: def.prompts,
    cases,
    root,
    ...(def.loads ? { loads: def.loads } : {}),
  };
}

function listCaseFiles(root: string): string[] {
  const dir = join(root, 'cases');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => `cases/${f}`);
}
