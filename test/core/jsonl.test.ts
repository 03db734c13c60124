import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl, type JsonlLine } from '../../src/core/jsonl.ts';
import { InputError, formatLocation } from '../../src/core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'mg-jsonl-'));
let n = 0;
function file(text: string | Buffer): string {
  const f = join(dir, `f${n++}.jsonl`);
  writeFileSync(f, text);
  return f;
}

async function readAll(f: string, opts?: Parameters<typeof readJsonl>[1]): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const x of readJsonl(f, opts)) out.push(x);
  return out;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

test('reads records with their line numbers, skipping blank lines', async () => {
  const f = file('{"a":1}\n\n   \n{"b":"中文"}\n[1,2]\n');
  assert.equal(await readAll(f), [
    { line: 1, value: { a: 1 } },
    { line: 4, value: { b: '中文' } },
    { line: 5, value: [1, 2] },
  ]);
});

test('CRLF line ends and a missing final newline', async () => {
  assert.equal(await readAll(file('{"a":1}\r\n{"a":2}')), [
    { line: 1, value: { a: 1 } },
    { line: 2, value: { a: 2 } },
  ]);
});

test('a byte-order mark on the first line is ignored', async () => {
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id":"x"}\n{"id":"y"}\n')]);
  assert.equal(await readAll(file(bom)), [
    { line: 1, value: { id: 'x' } },
    { line: 2, value: { id: 'y' } },
  ]);
});

test('an empty file gives nothing', async () => {
  assert.equal(await readAll(file('')), []);
  assert.equal(await readAll(file('\n\n')), []);
});

test('a malformed middle line throws an InputError naming file and line', async () => {
  const f = file('{"a":1}\n{"a":2}\n{"a":3,,}\n{"a":4}\n');
  const e = await failure(readAll(f, { displayName: 'cases/x.jsonl' }));
  assert.instance(e, InputError);
  assert.is((e as InputError).loc.line, 3);
  assert.is((e as InputError).loc.file, 'cases/x.jsonl');
  assert.match(e.message, /^cases\/x\.jsonl:3: not valid JSON \(/);
  assert.is((e as InputError).exitCode, 2);
});

test('a malformed middle line throws even with tornTail', async () => {
  const torn: number[] = [];
  const e = await failure(readAll(file('{"a":1}\n{oops\n{"a":3}\n'), { tornTail: true, onTorn: (l) => torn.push(l) }));
  assert.instance(e, InputError);
  assert.match(e.message, /:2: not valid JSON/);
  assert.equal(torn, []);
});

test('without a display name the path itself is named', async () => {
  const f = file('{"a":1}\nnot json\n');
  const e = await failure(readAll(f));
  assert.ok(e.message.startsWith(`${f}:2: `), e.message);
});

test('a torn last line throws by default', async () => {
  const e = await failure(readAll(file('{"a":1}\n{"a":2}\n{"caseId":"k-3","sta'), { displayName: 'responses.jsonl' }));
  assert.instance(e, InputError);
  assert.match(e.message, /^responses\.jsonl:3: not valid JSON/);
});

test('a torn last line with tornTail is dropped and reported', async () => {
  const torn: number[] = [];
  const got = await readAll(file('{"a":1}\n{"a":2}\n{"caseId":"k-3","sta'), { tornTail: true, onTorn: (l) => torn.push(l) });
  assert.equal(got, [
    { line: 1, value: { a: 1 } },
    { line: 2, value: { a: 2 } },
  ]);
  assert.equal(torn, [3]);
});

test('tornTail: a torn last line followed by blank lines is still the tail', async () => {
  const torn: number[] = [];
  const got = await readAll(file('{"a":1}\n{"a":\n\n\n'), { tornTail: true, onTorn: (l) => torn.push(l) });
  assert.equal(got, [{ line: 1, value: { a: 1 } }]);
  assert.equal(torn, [2]);
});

test('tornTail: a whole file is untouched and nothing is reported', async () => {
  const torn: number[] = [];
  const got = await readAll(file('{"a":1}\n{"a":2}\n'), { tornTail: true, onTorn: (l) => torn.push(l) });
  assert.is(got.length, 2);
  assert.equal(torn, []);
});

test('a missing file rejects', async () => {
  const e = await failure(readAll(join(dir, 'nope.jsonl')));
  assert.match(String((e as NodeJS.ErrnoException).code ?? e.message), /ENOENT/);
});

test('formatLocation', () => {
  assert.is(formatLocation({ file: 'a.jsonl', line: 3, field: 'answer' }), 'a.jsonl:3 field "answer"');
  assert.is(formatLocation({ line: 3 }), 'line 3');
  assert.is(formatLocation({ file: 'suite.yaml' }), 'suite.yaml');
  assert.is(formatLocation({}), '');
  assert.is(new InputError('bad', { file: 'f', line: 2, field: 'x' }).message, 'f:2 field "x": bad');
  assert.is(new InputError('bad').message, 'bad');
});

test('property: any records written as JSONL read back equal, with their lines', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 20 }), fc.boolean(), async (values, crlf) => {
      const nl = crlf ? '\r\n' : '\n';
      const f = file(values.map((v) => JSON.stringify(v)).join(nl) + nl);
      const got = await readAll(f);
      assert.equal(got.map((g) => g.line), values.map((_, i) => i + 1));
      assert.equal(got.map((g) => g.value), values.map((v) => JSON.parse(JSON.stringify(v))));
    }),
    { numRuns: 100 },
  );
});

test('property: cutting a file anywhere inside its last record loses only that record (tornTail)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 }))), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      async (records, cutSeed) => {
        const lines = records.map((r) => JSON.stringify(r));
        const last = lines[lines.length - 1];
        const cut = 1 + (cutSeed % (last.length - 1)); // strictly inside the last record: never valid JSON
        const text = [...lines.slice(0, -1), last.slice(0, cut)].join('\n');
        const torn: number[] = [];
        const got = await readAll(file(text), { tornTail: true, onTorn: (l) => torn.push(l) });
        assert.equal(got.map((g) => JSON.stringify(g.value)), lines.slice(0, -1));
        assert.equal(torn, [records.length]);
      },
    ),
    { numRuns: 100 },
  );
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
