import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { LineCounter, parseDocument, type ScalarTag } from 'yaml';
import { InputError } from '../../core/errors.ts';
import { readJsonl } from '../../core/jsonl.ts';
import type { Case } from '../../core/schemas.ts';
import { csvObjects } from './csv.ts';
import { ScenarioBook, choiceCase, findLicense, letterIndex, pad, readText, requireSome, suiteFile, type ImportResult, type Importer, type Skip } from './common.ts';

/** A `!function module.name` value: Python code, which this importer cannot run. */
class PyFunction {
  constructor(readonly name: string) {}
}
const functionTag: ScalarTag = { tag: '!function', resolve: (v: string) => new PyFunction(v) as unknown as string };

type Config = Record<string, unknown>;

/** Reads a task YAML and the files it `include`s (the including file's keys win). */
function readConfig(file: string, depth = 0): Config {
  if (depth > 8) throw new InputError('include nests more than 8 deep', { file });
  const lines = new LineCounter();
  const doc = parseDocument(readText(file), { customTags: [functionTag], lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0];
    throw new InputError(`malformed YAML (${err.message.split('\n')[0]})`, { file, line: lines.linePos(err.pos[0]).line });
  }
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InputError('an lm-eval task YAML must be a mapping', { file });
  const cfg = data as Config;
  if (cfg.include === undefined) return cfg;
  if (typeof cfg.include !== 'string') throw new InputError('include must name one file', { file, field: 'include' });
  const inc = resolve(dirname(file), cfg.include);
  if (!existsSync(inc)) throw new InputError(`included file "${cfg.include}" not found`, { file, field: 'include' });
  const { include: _drop, ...own } = cfg;
  return { ...readConfig(inc, depth + 1), ...own };
}

/** A document with where it came from. */
interface Doc {
  doc: Record<string, unknown>;
  file: string;
  /** 1-based line (JSONL, CSV) or 1-based position in a JSON array. */
  at: number;
  /** "line" or "item". */
  unit: 'line' | 'item';
}

async function readDocs(file: string, field: string | undefined): Promise<Doc[]> {
  const ext = extname(file).toLowerCase();
  const docs: Doc[] = [];
  const push = (v: unknown, at: number, unit: Doc['unit']) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError('a document must be a JSON object', { file, line: unit === 'line' ? at : undefined, field: unit === 'item' ? `${at - 1}` : undefined });
    docs.push({ doc: v as Record<string, unknown>, file, at, unit });
  };
  if (ext === '.csv') {
    for (const { line, doc } of csvObjects(readText(file), file)) push(doc, line, 'line');
    return docs;
  }
  if (ext === '.json') {
    const text = readText(file);
    let whole: unknown;
    try {
      whole = JSON.parse(text);
    } catch {
      whole = undefined; // JSON lines in a .json file, as the datasets json loader accepts
    }
    if (whole !== undefined) {
      let list: unknown = whole;
      if (field) list = typeof whole === 'object' && whole !== null ? (whole as Record<string, unknown>)[field] : undefined;
      else if (!Array.isArray(whole) && typeof whole === 'object' && whole !== null) push(whole, 1, 'line');
      if (Array.isArray(list)) list.forEach((v, i) => push(v, i + 1, 'item'));
      else if (field) throw new InputError(`no array under "${field}"`, { file });
      return docs;
    }
  } else if (ext !== '.jsonl') {
    throw new InputError(`data file type "${ext || '(none)'}" is not supported (use .jsonl, .json or .csv)`, { file });
  }
  for await (const { line, value } of readJsonl(file)) push(value, line, 'line');
  return docs;
}

/** The data files of the split lm-eval would evaluate (test_split, else validation_split). */
function dataFiles(cfg: Config, yamlFile: string): string[] {
  const dir = dirname(yamlFile);
  const kw = (cfg.dataset_kwargs ?? {}) as Config;
  const spec = kw.data_files ?? cfg.data_files;
  const dp = cfg.dataset_path;
  if (typeof dp !== 'string' || !dp) throw new InputError('dataset_path is missing', { file: yamlFile, field: 'dataset_path' });
  const splits = [cfg.test_split, cfg.validation_split].filter((s): s is string => typeof s === 'string');
  const asList = (v: unknown, base: string): string[] => {
    const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : null;
    if (!list || list.some((x) => typeof x !== 'string')) throw new InputError('data_files must be a path, a list of paths or a mapping of split to paths', { file: yamlFile, field: 'dataset_kwargs.data_files' });
    return (list as string[]).map((p) => resolve(base, p));
  };
  const fromSpec = (base: string): string[] => {
    if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
      const m = spec as Config;
      const split = splits.find((s) => m[s] !== undefined);
      if (!split) throw new InputError(`data_files has no split ${splits.map((s) => `"${s}"`).join(' or ') || '(set test_split)'} (has ${Object.keys(m).join(', ')})`, { file: yamlFile, field: 'dataset_kwargs.data_files' });
      return asList(m[split], base);
    }
    return asList(spec, base);
  };
  let files: string[];
  if (dp === 'json' || dp === 'csv') {
    if (spec === undefined) throw new InputError(`dataset_path: ${dp} needs dataset_kwargs.data_files`, { file: yamlFile, field: 'dataset_kwargs' });
    files = fromSpec(dir);
  } else {
    const local = resolve(dir, dp);
    if (!existsSync(local)) {
      throw new InputError(`dataset_path "${dp}" is not a local file or folder: Hugging Face Hub datasets are not downloaded (save the split as JSONL/CSV and use dataset_path: json with dataset_kwargs.data_files)`, { file: yamlFile, field: 'dataset_path' });
    }
    if (statSync(local).isFile()) files = [local];
    else if (spec !== undefined) files = fromSpec(local);
    else {
      const names = readdirSync(local).filter((f) => /\.(jsonl|json|csv)$/i.test(f)).sort();
      const split = splits.find((s) => names.some((f) => f.startsWith(s)));
      if (!split) throw new InputError(`no ${splits.join('/') || 'test'} data file (.jsonl, .json or .csv) in "${dp}"`, { file: yamlFile, field: 'dataset_path' });
      files = names.filter((f) => f.startsWith(split)).map((f) => join(local, f));
    }
  }
  for (const f of files) if (!existsSync(f)) throw new InputError(`data file not found: ${f}`, { file: yamlFile, field: 'dataset_kwargs.data_files' });
  return files;
}

/** Plain JS value of a @huggingface/jinja runtime value. */
function unwrap(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, unwrap(x)]));
  if (Array.isArray(v)) return v.map(unwrap);
  if (typeof v === 'object' && v !== null && 'type' in v && 'value' in v) return unwrap((v as { value: unknown }).value);
  return v;
}

/** Template helpers the Jinja subset lacks: `list.index(x)` is rewritten to `__mg_index(list, x)`. */
const HELPERS = {
  __mg_index: (list: unknown, x: unknown) => {
    const l = unwrap(list);
    const i = Array.isArray(l) ? l.indexOf(unwrap(x)) : -1;
    if (i < 0) throw new NotInList(`${JSON.stringify(unwrap(x))} is not in ${JSON.stringify(l)}`);
    return i;
  },
};
/** `list.index(x)` found no x: for doc_to_target, an answer that names no option. */
class NotInList extends Error {}
const rewrite = (src: string) => src.replace(/([A-Za-z_][\w.]*(?:\[[^\]]*\])*)\.index\(([^()]*)\)/g, '__mg_index($1, $2)');

type Render = (doc: Record<string, unknown>) => unknown;

/**
 * Compiles one of doc_to_text / doc_to_choice / doc_to_target / description. A string naming a
 * field of the document gives that field; `{{ expr }}` alone gives the expression's value (a list,
 * a number); other templates give text. Lists and numbers are constants.
 */
async function compileField(v: unknown, name: string, yamlFile: string, wantValue: boolean): Promise<Render> {
  if (v instanceof PyFunction) throw new InputError(`${name} is Python code (!function ${v.name}); only Jinja templates, field names and constants can be imported`, { file: yamlFile, field: name });
  if (typeof v === 'number' || Array.isArray(v)) return () => v;
  if (typeof v === 'object' && v !== null) return () => Object.values(v);
  if (typeof v !== 'string') throw new InputError(`${name} must be a template, a field name or a constant`, { file: yamlFile, field: name });
  const { Template } = await import('@huggingface/jinja');
  const compile = (src: string) => {
    try {
      return new Template(rewrite(src));
    } catch (e) {
      throw new InputError(`${name}: not a template this importer can read (${e instanceof Error ? e.message : String(e)})`, { file: yamlFile, field: name });
    }
  };
  const single = /^\s*\{\{([\s\S]*?)\}\}\s*$/.exec(v);
  const asValue = wantValue && single && !/\{\{|\}\}|\{%/.test(single[1]) ? compile(`{{ (${single[1]}) | tojson }}`) : undefined;
  // Jinja drops one trailing newline of a template; lm-eval keeps it (keep_trailing_newline), and a
  // description such as "… about {{subject}}.\n\n" relies on it.
  const asText = compile(/\n$/.test(v) ? `${v}{{ '' }}` : v);
  return (doc) => {
    if (Object.hasOwn(doc, v)) return doc[v];
    const ctx = { ...doc, ...HELPERS };
    if (asValue) {
      const json = asValue.render(ctx);
      return json === '' ? undefined : JSON.parse(json);
    }
    return asText.render(ctx);
  };
}

/** A rendered doc_to_choice as a list of strings (a Python/JSON list literal is read too). */
function choicesOf(v: unknown): string[] | string {
  let list = v;
  if (typeof v === 'string') {
    const t = v.trim();
    try {
      list = JSON.parse(t);
    } catch {
      const items = [...t.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
      if (!/^\[[\s\S]*\]$/.test(t) || items.length === 0) return `doc_to_choice gives ${JSON.stringify(t.slice(0, 40))}, not a list`;
      list = items;
    }
  }
  if (!Array.isArray(list)) return 'doc_to_choice does not give a list';
  const out = list.map((x) => (typeof x === 'string' ? x : typeof x === 'number' ? String(x) : null));
  if (out.some((x) => x === null)) return 'doc_to_choice gives items that are not text';
  return out as string[];
}

/** lm-eval's target → option index: an index (or digits), one of the choices, or a letter. */
function targetIndex(v: unknown, choices: string[]): number | null | 'none' {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v < choices.length ? v : null;
  if (Array.isArray(v)) return null;
  if (typeof v !== 'string') return 'none';
  const t = v.trim();
  if (t === '') return 'none';
  if (/^\d+$/.test(t)) return Number(t) < choices.length ? Number(t) : null;
  const exact = choices.indexOf(v);
  if (exact >= 0) return exact;
  const trimmed = choices.findIndex((c) => c.trim() === t);
  if (trimmed >= 0) return trimmed;
  return letterIndex(t, choices.length);
}

/** A trailing answer cue of doc_to_text ("Answer:", "答案："), which the suite's prompt adds itself. */
const TRAILING_CUE = /(?:^|\n)[ \t]*(?:Answer|答案|答)[ \t]*[:：][ \t]*\s*$/;

/**
 * lm-evaluation-harness task YAML of output_type multiple_choice, over local JSON / JSONL / CSV
 * data. doc_to_text / doc_to_choice / doc_to_target are read with @huggingface/jinja (the Jinja
 * subset lm-eval tasks use); Python `!function`s and process_docs are refused.
 */
export const lmEval: Importer = {
  id: 'lm-eval',
  summary: 'lm-evaluation-harness task YAML (output_type: multiple_choice) over local JSON/JSONL/CSV data files',
  async run(opts): Promise<ImportResult> {
    const yamlFile = opts.source;
    const cfg = readConfig(yamlFile);
    const field = (f: string) => ({ file: yamlFile, field: f });
    if (cfg.output_type !== 'multiple_choice') {
      throw new InputError(`output_type ${JSON.stringify(cfg.output_type ?? null)} is not supported: only multiple_choice tasks can be imported`, field('output_type'));
    }
    if (cfg.process_docs !== undefined) throw new InputError('process_docs is Python code; import data that is already processed', field('process_docs'));
    for (const f of ['doc_to_text', 'doc_to_choice', 'doc_to_target']) if (cfg[f] === undefined) throw new InputError(`${f} is missing`, field(f));
    const task = typeof cfg.task === 'string' && cfg.task ? cfg.task : basename(yamlFile).replace(/\.ya?ml$/i, '');
    const description = cfg.description === undefined ? undefined : await compileField(cfg.description, 'description', yamlFile, false);
    const toText = await compileField(cfg.doc_to_text, 'doc_to_text', yamlFile, false);
    const toChoice = await compileField(cfg.doc_to_choice, 'doc_to_choice', yamlFile, true);
    const toTarget = await compileField(cfg.doc_to_target, 'doc_to_target', yamlFile, true);
    const kw = (cfg.dataset_kwargs ?? {}) as Config;
    const files = dataFiles(cfg, yamlFile);
    const lang = opts.lang ?? 'en';
    const book = new ScenarioBook();
    const scenario = book.id(task);
    const drafts: { rec: string; input: string; choices: string[]; answer: number; source: string }[] = [];
    const skipped: Skip[] = [];
    let read = 0;
    for (const file of files) {
      for (const d of await readDocs(file, typeof kw.field === 'string' ? kw.field : undefined)) {
        read++;
        const rec = `${basename(file)}:${d.unit === 'line' ? d.at : `item ${d.at}`}`;
        const loc = { file, line: d.unit === 'line' ? d.at : undefined };
        const step = <T>(what: string, f: () => T): T | Skip => {
          try {
            return f();
          } catch (e) {
            if (e instanceof NotInList && what === 'doc_to_target') throw new InputError(`${d.unit === 'item' ? `item ${d.at}: ` : ''}doc_to_target names no option (${e.message})`, loc);
            return { record: rec, kind: `${what} fails`, reason: `${what}: ${e instanceof Error ? e.message : String(e)}` };
          }
        };
        const isSkip = (x: unknown): x is Skip => typeof x === 'object' && x !== null && 'kind' in x && 'record' in x && 'reason' in x;
        const text = step('doc_to_text', () => `${description ? String(description(d.doc)) : ''}${String(toText(d.doc))}`);
        if (isSkip(text)) {
          skipped.push(text);
          continue;
        }
        const rawChoices = step('doc_to_choice', () => toChoice(d.doc));
        if (isSkip(rawChoices)) {
          skipped.push(rawChoices);
          continue;
        }
        const choices = choicesOf(rawChoices);
        if (typeof choices === 'string') {
          skipped.push({ record: rec, kind: 'choices not a list', reason: choices });
          continue;
        }
        const target = step('doc_to_target', () => toTarget(d.doc));
        if (isSkip(target)) {
          skipped.push(target);
          continue;
        }
        const answer = targetIndex(target, choices);
        if (answer === 'none') {
          skipped.push({ record: rec, kind: 'no answer', reason: 'doc_to_target gives no answer' });
          continue;
        }
        if (answer === null) {
          const where = d.unit === 'item' ? `item ${d.at}: ` : '';
          throw new InputError(`${where}doc_to_target ${JSON.stringify(target)} names no option (${choices.length} choices)`, loc);
        }
        drafts.push({ rec, input: text, choices, answer, source: `lm-eval task ${task}: ${rec}` });
      }
    }
    // MMLU-style tasks list the options in doc_to_text and choose among letters: the prompt is the
    // text as it is. Otherwise the suite's prompt lists the options and adds its own answer cue, so
    // a trailing cue of doc_to_text is dropped.
    const letterTask = drafts.length > 0 && drafts.every((d) => d.choices.every((c, i) => c.trim() === 'ABCDEFGHIJ'[i]));
    let cuesDropped = 0;
    const cases: Case[] = [];
    drafts.forEach((d, i) => {
      let input = d.input;
      let cut = false;
      if (!letterTask && TRAILING_CUE.test(input)) {
        const rest = input.replace(TRAILING_CUE, '').trimEnd();
        if (rest.trim()) {
          input = rest;
          cut = true;
        }
      }
      const built = choiceCase({ id: `${opts.id}-${pad(i + 1)}`, scenario, lang, input, choices: d.choices, answer: d.answer, source: d.source });
      if ('case' in built) {
        cases.push(built.case);
        if (cut) cuesDropped++;
      } else skipped.push({ record: d.rec, kind: built.kind, reason: built.reason });
    });
    const result = { cases, skipped, read };
    requireSome(result, { file: yamlFile });
    const license = findLicense(yamlFile) ?? findLicense(files[0]);
    const options = '{{#each choices}}{{letter @index}}. {{this}}\n{{/each}}';
    const prompts = letterTask
      ? { choice: { zh: '{{input}}', en: '{{input}}' } }
      : { choice: { zh: `{{input}}\n${options}答案：`, en: `{{input}}\n${options}Answer:` } };
    return {
      ...result,
      suite: suiteFile({
        id: opts.id,
        industry: opts.id,
        name: { zh: `${task}（lm-eval 导入）`, en: `${task} (imported lm-eval task)` },
        description: {
          zh: `由 modelgrade import lm-eval 从 ${basename(yamlFile)} 导入的单项选择任务 ${task}；请遵守原数据的许可条款。`,
          en: `The multiple-choice task ${task}, imported from ${basename(yamlFile)} by modelgrade import lm-eval; the source data's licence terms apply.`,
        },
        scenarios: book.used(cases),
        prompts,
      }),
      license,
      notes: [
        ...(letterTask ? ['the choices are option letters listed in doc_to_text: the prompt is doc_to_text as it is'] : []),
        ...(cuesDropped ? [`dropped the trailing answer cue of doc_to_text from ${cuesDropped} input(s): the suite's prompt lists the options and adds its own cue`] : []),
        ...(license ? [] : ['no LICENSE file lies next to the task or its data: check the data\'s terms before sharing anything made from it']),
      ],
      header: [`Imported by "modelgrade import lm-eval" from ${basename(yamlFile)} (task ${task}; data ${files.map((f) => basename(f)).join(', ')}).`],
    };
  },
};
