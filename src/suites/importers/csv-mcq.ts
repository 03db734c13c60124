import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../../core/errors.ts';
import type { Case } from '../../core/schemas.ts';
import { parseCsv } from './csv.ts';
import { CHOICE_PROMPTS, ScenarioBook, choiceCase, findLicense, letterIndex, pad, readText, requireSome, slugify, suiteFile, type ImportResult, type Importer, type Skip } from './common.ts';

/** Split suffixes of C-Eval / CMMLU file names, dropped from scenario ids. */
const SPLIT = /[_-](val|dev|test|train|validation)$/i;

/** The columns of a C-Eval / CMMLU header row. */
interface Columns {
  id?: number;
  question: number;
  options: number[];
  answer: number;
  explanation?: number;
}

function columnsOf(header: string[], file: string): Columns {
  const names = header.map((h) => h.trim().toLowerCase());
  const at = (n: string) => names.indexOf(n);
  const question = at('question');
  const answer = at('answer');
  const options: number[] = [];
  for (const l of 'abcdefghij') {
    const j = at(l);
    if (j < 0) break;
    options.push(j);
  }
  if (question < 0 || answer < 0 || options.length < 2) {
    throw new InputError(
      `the header row must name the columns [id,]question,A,B,C,D,answer[,explanation] (got ${header.map((h) => JSON.stringify(h)).join(',')})`,
      { file, line: 1 },
    );
  }
  // The id column: "id", or CMMLU's unnamed first column (pandas' index).
  const idAt = names[0] === '' || names[0] === 'id' || names[0] === 'unnamed: 0' ? 0 : at('id');
  const explanation = at('explanation');
  return { id: idAt >= 0 ? idAt : undefined, question, options, answer, explanation: explanation >= 0 ? explanation : undefined };
}

/**
 * C-Eval / CMMLU CSV: `[id,]question,A,B,C,D,answer[,explanation]`, UTF-8 with or without BOM,
 * RFC 4180 quoting. The source is one .csv file or a folder of them; each file is a scenario
 * (its name without `_val`/`_dev`/`_test`). Default language zh.
 */
export const csvMcq: Importer = {
  id: 'csv-mcq',
  summary: 'C-Eval / CMMLU CSV ([id,]question,A,B,C,D,answer[,explanation]); a file or a folder of .csv files, one scenario each',
  async run(opts): Promise<ImportResult> {
    const src = opts.source;
    if (!existsSync(src)) throw new InputError('source not found', { file: src });
    const files = statSync(src).isDirectory()
      ? readdirSync(src)
          .filter((f) => f.toLowerCase().endsWith('.csv'))
          .sort()
          .map((f) => join(src, f))
      : [src];
    if (files.length === 0) throw new InputError('no .csv files in folder', { file: src });
    const lang = opts.lang ?? 'zh';
    const book = new ScenarioBook();
    const cases: Case[] = [];
    const skipped: Skip[] = [];
    const ids = new Map<string, string>();
    let read = 0;
    for (const file of files) {
      const records = parseCsv(readText(file), file);
      if (records.length === 0) continue;
      const cols = columnsOf(records[0].fields, file);
      const stem = basename(file).replace(/\.csv$/i, '').replace(SPLIT, '');
      const scenario = book.id(stem, { zh: stem.replace(/_/g, ' '), en: stem.replace(/_/g, ' ') });
      const width = records[0].fields.length;
      for (let r = 1; r < records.length; r++) {
        const { line, fields } = records[r];
        read++;
        const rawId = cols.id !== undefined ? fields[cols.id]?.trim() : undefined;
        const rec = `${basename(file)}:${line}${rawId ? ` (id ${rawId})` : ''}`;
        if (fields.length !== width) throw new InputError(`${rawId ? `id ${rawId}: ` : ''}${fields.length} fields; the header has ${width}`, { file, line });
        const bad = (msg: string) => new InputError(`${rawId ? `id ${rawId}: ` : ''}${msg}`, { file, line });
        const answerText = fields[cols.answer].trim();
        if (answerText === '') {
          skipped.push({ record: rec, kind: 'no answer', reason: 'no answer given (a test split without answers?)' });
          continue;
        }
        if (/^[A-J](?:[\s,;、]*[A-J])+$/i.test(answerText)) {
          skipped.push({ record: rec, kind: 'several answers', reason: `several answers (${answerText}): not a single-choice question` });
          continue;
        }
        const answer = letterIndex(answerText, cols.options.length);
        if (answer === null) throw bad(`answer ${JSON.stringify(answerText)} names no option (${'ABCDEFGHIJ'.slice(0, cols.options.length).split('').join(', ')})`);
        const id = `${opts.id}-${scenario}-${rawId ? slugify(rawId, 'r') : pad(r)}`;
        const prev = ids.get(id);
        if (prev) throw bad(`the id repeats (first at ${prev})`);
        ids.set(id, `${basename(file)}:${line}`);
        const built = choiceCase({
          id,
          scenario,
          lang,
          input: fields[cols.question],
          choices: cols.options.map((j) => fields[j]),
          answer,
          source: `imported from ${basename(file)} ${rawId ? `id ${rawId}` : `row ${r}`}`,
          ref: cols.explanation !== undefined ? fields[cols.explanation] : undefined,
        });
        if ('case' in built) cases.push(built.case);
        else skipped.push({ record: rec, kind: built.kind, reason: built.reason });
      }
    }
    const result = { cases, skipped, read };
    requireSome(result, { file: src });
    const license = findLicense(src);
    const names = files.map((f) => basename(f));
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} …` : names.join(', ');
    return {
      ...result,
      suite: suiteFile({
        id: opts.id,
        industry: opts.id,
        name: { zh: `${opts.id}（CSV 导入）`, en: `${opts.id} (imported CSV)` },
        description: {
          zh: `由 modelgrade import csv-mcq 从 ${shown} 导入的单项选择题，仅供本地使用；请遵守原数据集的许可条款。`,
          en: `Multiple-choice questions imported from ${shown} by modelgrade import csv-mcq, for local use; the source dataset's licence terms apply.`,
        },
        scenarios: book.used(cases),
        prompts: CHOICE_PROMPTS,
      }),
      license,
      notes: [
        'C-Eval (CC BY-NC-SA 4.0) and CMMLU (CC BY-NC 4.0) are licensed for non-commercial use: keep an imported copy for your own local use; do not redistribute or commit it',
        ...(license ? [] : ['no LICENSE file lies next to the source: check the dataset\'s terms before sharing anything made from it']),
      ],
      header: [
        `Imported by "modelgrade import csv-mcq" from ${shown}.`,
        'Local use only: the source dataset\'s licence applies (C-Eval and CMMLU are non-commercial; do not redistribute).',
      ],
    };
  },
};
