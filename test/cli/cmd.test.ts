import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../helpers/fixtures.ts';

const t = tempDir('mg-cmd-');
test.after(() => t.cleanup());

test('run --model cmd:<program> writes a complete bundle from a real child process', () => {
  const out = join(t.dir, 'echo');
  const r = cli(['run', '--suite', 'finance', '--sample', '20', '--model', 'cmd:node fixtures/cmd/echo-model.mjs', '--out', out]);
  assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
  assert.ok(existsSync(join(out, 'manifest.json')), 'manifest.json missing');
  const records = readFileSync(join(out, 'responses.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const main = records.filter((x) => x.phase === 'main');
  assert.is(main.length, 20);
  assert.ok(main.every((x) => x.status === 'ok' && typeof x.output === 'string' && x.output.length > 0), 'every answer came from the program');
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  assert.is(run.model.kind, 'cmd');
  assert.is(run.model.spec, 'cmd:node fixtures/cmd/echo-model.mjs');
});

test('run --model cmd:<missing program> exits 2 before the run starts', () => {
  const out = join(t.dir, 'missing');
  const r = cli(['run', '--suite', 'finance', '--sample', '5', '--model', 'cmd:no-such-model-program-4711', '--out', out]);
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot start "no-such-model-program-4711".*not found/);
  assert.not.ok(existsSync(join(out, 'run.json')));
});

test.run();
