import { basename } from 'node:path';
import { InputError } from '../../core/errors.ts';
import type { Case } from '../../core/schemas.ts';
import { CHOICE_PROMPTS, ScenarioBook, choiceCase, findLicense, readText, requireSome, sameText, suiteFile, type ImportResult, type Importer, type Skip } from './common.ts';

/**
 * TeleQnA's licence (github.com/netop-team/TeleQnA, MIT), written as LICENSE-data when no LICENSE
 * file lies next to the source.
 */
export const TELEQNA_LICENSE = `MIT License

Copyright (c) 2023 Netop-team

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

/** Chinese names of TeleQnA's five categories (the English names are kept as they are). */
const CATEGORY_ZH: Record<string, string> = {
  Lexicon: '电信术语',
  'Research overview': '研究综述',
  'Research publications': '研究文献',
  'Standards overview': '标准概述',
  'Standards specifications': '标准规范',
};

const OPTION_KEY = /^option (\d+)$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * TeleQnA JSON: `{"question N": {question, "option 1".."option 5", answer: "option K: <text>",
 * explanation, category}}`. Categories become scenarios; every question a `choice` case of
 * capability.performance.knowledge, lang en, source "TeleQnA (MIT) question N", ref = explanation.
 */
export const teleqna: Importer = {
  id: 'teleqna',
  summary: 'TeleQnA JSON ({"question N": {question, "option 1".., answer: "option K: …", explanation, category}})',
  async run(opts): Promise<ImportResult> {
    const file = opts.source;
    const text = readText(file);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new InputError(`not valid JSON (${e instanceof Error ? e.message : String(e)})`, { file });
    }
    if (!isObject(data)) throw new InputError('expected a JSON object whose keys are "question N"', { file });
    const lang = opts.lang ?? 'en';
    const book = new ScenarioBook();
    const cases: Case[] = [];
    const skipped: Skip[] = [];
    const ids = new Set<string>();
    let read = 0;
    for (const [key, q] of Object.entries(data)) {
      read++;
      const rec = JSON.stringify(key);
      const bad = (msg: string) => new InputError(`${rec}: ${msg}`, { file });
      const num = /^question (\d+)$/.exec(key);
      if (!num) throw bad('a key must be "question N"');
      if (!isObject(q)) throw bad('not an object');
      if (typeof q.question !== 'string') throw bad('"question" is missing or not text');
      const optionNums: number[] = [];
      for (const [k, v] of Object.entries(q)) {
        const m = OPTION_KEY.exec(k);
        if (!m) continue; // question, answer, explanation, category; fields TeleQnA does not define are ignored
        if (typeof v !== 'string') throw bad(`"${k}" is not text`);
        optionNums.push(Number(m[1]));
      }
      optionNums.sort((a, b) => a - b);
      if (optionNums.length < 2) throw bad(`${optionNums.length} option(s); TeleQnA questions have "option 1" to "option 5" (at least 2)`);
      const gap = optionNums.findIndex((n, i) => n !== i + 1);
      if (gap >= 0) throw bad(`options must be numbered from 1 without gaps ("option ${gap + 1}" is missing)`);
      if (typeof q.answer !== 'string') throw bad('"answer" is missing or not text');
      const am = /^\s*option\s+(\d+)\s*(?::\s*([\s\S]*))?$/i.exec(q.answer);
      if (!am) throw bad(`answer ${JSON.stringify(q.answer.length > 40 ? q.answer.slice(0, 40) + '…' : q.answer)} is not "option K: <text>"`);
      const k = Number(am[1]);
      if (!optionNums.includes(k)) throw bad(`answer "option ${k}" names no option`);
      if (q.category !== undefined && typeof q.category !== 'string') throw bad('"category" is not text');
      if (q.explanation !== undefined && q.explanation !== null && typeof q.explanation !== 'string') throw bad('"explanation" is not text');

      const choices = optionNums.map((n) => q[`option ${n}`] as string);
      const said = am[2]?.trim();
      // The answer's text must be option K's (compared without spaces: "V2I(x)" = "V2I (x)").
      const squash = (s: string) => sameText(s).replace(/\s+/g, '');
      if (said && squash(said) !== squash(choices[k - 1])) {
        skipped.push({ record: rec, kind: 'answer text differs', reason: `the answer's text ${JSON.stringify(said)} is not option ${k} (${JSON.stringify(choices[k - 1].trim())})` });
        continue;
      }
      const category = (q.category as string | undefined)?.trim() || 'Uncategorised';
      const scenario = book.id(category, { zh: CATEGORY_ZH[category] ?? category, en: category });
      const id = `teleqna-${num[1].padStart(4, '0')}`;
      if (ids.has(id)) throw bad(`the question number repeats (case id "${id}")`);
      ids.add(id);
      const built = choiceCase({
        id,
        scenario,
        lang,
        input: q.question,
        choices,
        answer: k - 1,
        source: `TeleQnA (MIT) ${key}`,
        ref: (q.explanation as string | undefined) ?? undefined,
      });
      if ('case' in built) cases.push(built.case);
      else skipped.push({ record: rec, kind: built.kind, reason: built.reason });
    }
    const result = { cases, skipped, read };
    requireSome(result, { file });
    const found = findLicense(file);
    const license = found ?? { text: TELEQNA_LICENSE, from: 'TeleQnA (github.com/netop-team/TeleQnA), MIT' };
    return {
      ...result,
      suite: suiteFile({
        id: opts.id,
        industry: 'telecom',
        name: { zh: 'TeleQnA 电信知识问答（导入）', en: 'TeleQnA telecom knowledge (imported)' },
        description: {
          zh: `由 modelgrade import teleqna 从 ${basename(file)} 导入的 TeleQnA 电信知识单项选择题（Netop-team，MIT 许可，许可文本见 LICENSE-data）。`,
          en: `TeleQnA telecom knowledge multiple-choice questions (Netop-team, MIT licence, text in LICENSE-data), imported from ${basename(file)} by modelgrade import teleqna.`,
        },
        scenarios: book.used(cases),
        prompts: CHOICE_PROMPTS,
      }),
      license,
      notes: found ? [] : ['no LICENSE file lies next to the source: LICENSE-data holds TeleQnA\'s MIT licence (Copyright (c) 2023 Netop-team)'],
      header: [
        `Imported by "modelgrade import teleqna" from ${basename(file)}.`,
        'Source: TeleQnA (Netop-team, https://github.com/netop-team/TeleQnA), MIT licence: see LICENSE-data.',
      ],
    };
  },
};
