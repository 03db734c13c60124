import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseYaml, readYamlFile, readYamlFileWithLines } from '../../src/core/yaml.ts';
import { InputError } from '../../src/core/errors.ts';

const Schema = z.object({ id: z.string(), items: z.array(z.object({ n: z.number() }).strict()) }).strict();

function fails(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

test('valid YAML parses and validates', () => {
  assert.equal(parseYaml('id: a\nitems:\n  - n: 1\n  - {n: 2}\n', Schema, 'x.yaml'), { id: 'a', items: [{ n: 1 }, { n: 2 }] });
});

test('a wrong type names file, line and field', () => {
  const e = fails(() => parseYaml('id: a\nitems:\n  - n: 1\n  - n: two\n', Schema, 'x.yaml'));
  assert.equal([e.loc.file, e.loc.line, e.loc.field], ['x.yaml', 4, 'items.1.n']);
  assert.match(e.message, /^x\.yaml:4 field "items\.1\.n": /);
});

test('a missing field points at its parent', () => {
  const e = fails(() => parseYaml('id: a\nitems:\n  - n: 1\n  - {}\n', Schema, 'x.yaml'));
  assert.equal([e.loc.line, e.loc.field], [4, 'items.1.n']);
});

test('an unknown key is named at its own line, before the missing key it misspells', () => {
  const e = fails(() => parseYaml('id: a\nitems:\n  - n: 1\n  - m: 2\n', Schema, 'x.yaml'));
  assert.equal([e.loc.line, e.loc.field], [4, 'items.1']);
  assert.match(e.message, /unknown field "m" \(and 1 more problem\)/);
});

test('malformed YAML and duplicate keys name the line', () => {
  assert.is(fails(() => parseYaml('id: a\nitems: [\n  n: 1\n', Schema, 'x.yaml')).loc.file, 'x.yaml');
  const dup = fails(() => parseYaml('id: a\nitems: []\nid: b\n', Schema, 'x.yaml'));
  assert.is(dup.loc.line, 3);
  assert.match(dup.message, /malformed YAML/);
});

test('an alias bomb is refused', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n');
  assert.throws(() => parseYaml(bomb, z.unknown(), 'bomb.yaml'));
});

test('files: BOM skipped, unreadable file is an InputError, lineOf finds nodes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-yaml-'));
  try {
    const f = join(dir, 's.yaml');
    writeFileSync(f, '\uFEFFid: a\nitems:\n  - n: 1\n  - n: 2\n');
    assert.equal(await readYamlFile(f, Schema, 's.yaml'), { id: 'a', items: [{ n: 1 }, { n: 2 }] });
    const { lineOf } = await readYamlFileWithLines(f, Schema, 's.yaml');
    assert.is(lineOf(['items', 1]), 4);
    assert.is(lineOf(['items', 1, 'n']), 4);
    assert.is(lineOf(['id']), 1);
    assert.is(lineOf(['items', 7, 'x']), 3, 'a missing node falls back to its nearest parent (the list, starting on line 3)');
    try {
      await readYamlFile(join(dir, 'nope.yaml'), Schema, 'nope.yaml');
      assert.unreachable();
    } catch (e) {
      assert.instance(e, InputError);
      assert.match((e as Error).message, /^nope\.yaml: cannot read file \(ENOENT\)/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
