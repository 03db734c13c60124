import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry, editDistance, suggest } from '../../src/core/registry.ts';
import { InputError } from '../../src/core/errors.ts';

test('edit distance', () => {
  assert.is(editDistance('choice', 'choice'), 0);
  assert.is(editDistance('choise', 'choice'), 1);
  assert.is(editDistance('', 'abc'), 3);
});

test('unknown names get a did-you-mean', () => {
  const r = new Registry<number>('task');
  r.register('choice', 1);
  r.register('exact', 2);
  try {
    r.get('choise');
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /unknown task "choise" \(did you mean "choice"\?\)/);
  }
  assert.equal(suggest('zzzzzz', ['choice', 'exact']), []);
});

test('registering a name twice throws', () => {
  const r = new Registry<number>('scorer');
  r.register('a', 1);
  assert.throws(() => r.register('a', 2), /registered twice/);
});

test.run();
