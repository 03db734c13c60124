import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { z } from 'zod';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { readYamlFile } from '../../src/core/yaml.ts';
import { SUITES_DIR } from '../../src/suites/paths.ts';

const Text = z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict();
const KINDS = ['document', 'record', 'config', 'log', 'screenshot', 'report'] as const;
const Questionnaire = z
  .object({
    version: z.literal(1),
    marks: z.object({ met: Text, partly_met: Text, not_met: Text }).strict(),
    attachment_kinds: z.record(z.enum(KINDS), Text),
    items: z
      .array(
        z
          .object({
            item: z.string().min(1),
            questions: z.array(z.object({ id: z.string().regex(/^[a-z0-9-]+$/), zh: z.string().min(1), en: z.string().min(1) }).strict()).min(1),
            attachments: z.array(z.object({ kind: z.enum(KINDS), required: z.boolean(), zh: z.string().min(1), en: z.string().min(1) }).strict()).min(1),
            criteria: z.object({ met: Text, partly_met: Text, not_met: Text }).strict(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

const FILE = join(SUITES_DIR, 'evidence', 'questionnaire.yaml');
const q = await readYamlFile(FILE, Questionnaire, 'suites/evidence/questionnaire.yaml');
const catalog = await loadCatalog();

test('every evidence item of the catalogue has a questionnaire entry, and every entry is an evidence item', () => {
  const evidence = [...catalog.items.values()].filter((i) => i.method === 'evidence').map((i) => i.id).sort();
  const entries = q.items.map((i) => i.item);
  assert.ok(evidence.length > 0);
  assert.equal([...entries].sort(), evidence);
  assert.is(new Set(entries).size, entries.length, 'an item is listed twice');
});

test('each entry: unique question ids, a required attachment, every attachment kind described', () => {
  for (const e of q.items) {
    const ids = e.questions.map((x) => x.id);
    assert.is(new Set(ids).size, ids.length, `${e.item}: repeated question id`);
    assert.ok(e.attachments.some((a) => a.required), `${e.item}: no required attachment`);
    for (const a of e.attachments) assert.ok(q.attachment_kinds[a.kind], `${e.item}: kind ${a.kind} not described`);
    for (const x of e.questions) {
      assert.match(x.zh, /[\u4e00-\u9fff]/, `${e.item}.${x.id}: zh has no Chinese`);
      assert.match(x.en, /^[\x20-\x7e’–—]+$/, `${e.item}.${x.id}: en is not plain English`);
    }
  }
});

test.run();
