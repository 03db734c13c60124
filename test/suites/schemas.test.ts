import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateSchemas } from '../../scripts/gen-schemas.ts';
import { CaseSchema } from '../../src/core/schemas.ts';
import { taskChecker } from '../../src/metrics/index.ts';
import { loadCatalog } from '../../src/suites/catalog.ts';
import { ROOT } from '../helpers/fixtures.ts';

const generated = generateSchemas();

test('published JSON Schemas equal what scripts/gen-schemas.ts generates from the loader\'s zod schemas now (npm run gen:schemas)', () => {
  assert.equal(Object.keys(generated).sort(), ['schemas/case.schema.json', 'schemas/suite.schema.json']);
  for (const [rel, text] of Object.entries(generated)) {
    assert.is(readFileSync(join(ROOT, rel), 'utf8'), text, `${rel} is stale: run npm run gen:schemas`);
  }
});

test('the case schema: draft 2020-12, strict, the required fields of a case', () => {
  const s = JSON.parse(generated['schemas/case.schema.json']);
  assert.is(s.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.is(s.type, 'object');
  assert.is(s.additionalProperties, false);
  assert.equal([...s.required].sort(), ['id', 'indicator', 'input', 'lang', 'scenario', 'source', 'task']);
  assert.equal(s.properties.lang.enum, ['zh', 'en']);
  for (const f of ['choices', 'answer', 'expected', 'meta']) assert.ok(s.properties[f], f);
});

test('the suite schema: strict, scenarios and prompts required; the finance suite.yaml names only its properties', async () => {
  const s = JSON.parse(generated['schemas/suite.schema.json']);
  assert.is(s.additionalProperties, false);
  for (const f of ['id', 'version', 'industry', 'name', 'scenarios', 'prompts']) assert.ok(s.required.includes(f), f);
  const { parse } = await import('yaml');
  for (const dir of readdirSync(join(ROOT, 'suites'))) {
    let y: Record<string, unknown>;
    try {
      y = parse(readFileSync(join(ROOT, 'suites', dir, 'suite.yaml'), 'utf8'));
    } catch {
      continue;
    }
    for (const k of Object.keys(y)) assert.ok(s.properties[k], `${dir}/suite.yaml: ${k}`);
    for (const r of s.required) assert.ok(r in y, `${dir}/suite.yaml lacks ${r}`);
  }
});

test('the authoring guides (zh, en): every example case is valid, one per scorer, the same in both', async () => {
  const items = new Set((await loadCatalog()).items.keys());
  const examples = (lang: string) => {
    const md = readFileSync(join(ROOT, `docs/authoring.${lang}.md`), 'utf8');
    return [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1].trim());
  };
  const en = examples('en');
  assert.equal(examples('zh'), en);
  const tasks = en.map((line) => {
    const c = CaseSchema.parse(JSON.parse(line));
    assert.is(taskChecker.check(c), undefined, c.id);
    assert.ok(items.has(c.indicator), c.indicator);
    return c.task;
  });
  assert.equal([...tasks].sort(), [...taskChecker.names()].sort());
});

test.run();
