// Writes the published JSON Schemas of suite files from the zod schemas the loader itself uses
// (src/core/schemas.ts), so the two cannot drift: schemas/suite.schema.json (suite.yaml) and
// schemas/case.schema.json (one line of cases/*.jsonl). Run: npm run gen:schemas.
// A test (test/suites/schemas.test.ts) checks the committed files equal what this generates.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { CaseSchema, SuiteFileSchema } from '../src/core/schemas.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function publish(schema: z.ZodType, title: string, description: string): string {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return `${JSON.stringify({ $schema, title, description, ...rest }, null, 2)}\n`;
}

/** The schema files, by path relative to the repository root, with their exact content. */
export function generateSchemas(): Record<string, string> {
  return {
    'schemas/suite.schema.json': publish(
      SuiteFileSchema,
      'modelgrade suite.yaml',
      'A modelgrade suite definition (suites/<id>/suite.yaml): id, version, industry, names, scenarios and prompt templates per task. Generated from SuiteFileSchema in src/core/schemas.ts by scripts/gen-schemas.ts; do not edit.',
    ),
    'schemas/case.schema.json': publish(
      CaseSchema,
      'modelgrade case',
      'One line of a modelgrade suite\'s cases/*.jsonl. `task` picks the scorer, which checks its own fields further (see docs/authoring.en.md). Generated from CaseSchema in src/core/schemas.ts by scripts/gen-schemas.ts; do not edit.',
    ),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [rel, text] of Object.entries(generateSchemas())) {
    const file = join(ROOT, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${rel}`);
  }
}
