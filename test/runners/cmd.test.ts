import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/core/errors.ts';
import type { Adapter, CallContext, ModelRequest, ResponseRecord } from '../../src/core/types.ts';
import { openCmd, splitCommand } from '../../src/runners/adapters/cmd.ts';
import { runEngine, type WorkItem } from '../../src/runners/engine.ts';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';
import { ROOT, tempDir } from '../helpers/fixtures.ts';

const fx = (name: string) => `node ${join(ROOT, 'fixtures/cmd', name)}`;
const req = (prompt: string): ModelRequest => ({ prompt, temperature: 0, maxTokens: 8, seed: 1 });
const MCQ = 'The following is a multiple-choice question.\nQuestion: 2+2?\nA. 3\nB. 4\nC. 5\nD. 22\nAnswer:';

/** Asserts that `p` rejects with a message matching `re` (or passing the check). */
async function rejects(p: Promise<unknown>, check: RegExp | ((e: Error) => boolean)): Promise<void> {
  try {
    await p;
  } catch (e) {
    const ok = typeof check === 'function' ? check(e as Error) : check.test((e as Error).message);
    assert.ok(ok, `unexpected error: ${(e as Error).message}`);
    return;
  }
  assert.unreachable('expected a rejection');
}

/** A call context like the engine's, recording what the adapter signals. */
function context() {
  const ctrl = new AbortController();
  const seen = { first: 0, deltas: [] as string[], firstBeforeDelta: false };
  const ctx: CallContext = {
    signal: ctrl.signal,
    firstToken: () => void seen.first++,
    onToken: (d) => {
      if (seen.deltas.length === 0) seen.firstBeforeDelta = seen.first > 0;
      seen.deltas.push(d);
    },
  };
  return { ctx, ctrl, seen };
}

async function withModel<T>(command: string, fn: (a: Adapter) => Promise<T>, opts: Parameters<typeof openCmd>[1] = {}): Promise<T> {
  const a = await openCmd(command, opts);
  try {
    return await fn(a);
  } finally {
    await a.close();
  }
}

test('splitCommand: quotes and escapes, no shell', () => {
  assert.equal(splitCommand(`python3  my_model.py --name "a b" 'c "d"' e\\ f ""`), ['python3', 'my_model.py', '--name', 'a b', 'c "d"', 'e f', '']);
  assert.equal(splitCommand('node x.mjs $HOME; rm -rf /'), ['node', 'x.mjs', '$HOME;', 'rm', '-rf', '/']);
  assert.throws(() => splitCommand('node "x.mjs'), (e: Error) => e instanceof InputError && /unterminated " quote/.test(e.message));
  assert.throws(() => parseModelSpec("cmd:node 'x", MODELS_DIR), (e: Error) => e instanceof InputError && /unterminated ' quote/.test(e.message));
  assert.equal(parseModelSpec('cmd:node fixtures/cmd/echo-model.mjs', MODELS_DIR), { kind: 'cmd', command: 'node fixtures/cmd/echo-model.mjs' });
});

test('a call round-trips: the option letter, usage, first token, describe()', async () => {
  const a = await openModel(parseModelSpec(`cmd:${fx('echo-model.mjs')}`, MODELS_DIR), { device: 'cpu' });
  try {
    const { ctx, seen } = context();
    const r = await a.call(req(MCQ), 'case-1', ctx);
    assert.match(r.output, /^[ABCD]$/);
    assert.equal(r.usage, { inputTokens: MCQ.split(/\s+/).filter(Boolean).length, outputTokens: 1 });
    assert.is(seen.first, 1);
    const again = await a.call(req(MCQ), 'case-1', context().ctx);
    assert.is(again.output, r.output, 'deterministic');
    const info = a.describe();
    assert.is(info.kind, 'cmd');
    assert.is(info.id, 'echo-model');
    assert.is(info.restarts, 0);
    assert.match(info.digest ?? '', /^[0-9a-f]{64}$/);
  } finally {
    await a.close();
  }
});

test('concurrent calls are matched by id (replies out of order)', async () => {
  await withModel(fx('echo-model.mjs'), async (a) => {
    const prompts = [80, 5, 40, 1, 20].map((ms, i) => `#sleep ${ms} prompt number ${i}`);
    const order: number[] = [];
    const replies = await Promise.all(prompts.map((p, i) => a.call(req(p), `c${i}`, context().ctx).then((r) => (order.push(i), r))));
    replies.forEach((r, i) => assert.is(r.output, `echo: prompt number ${i}`));
    assert.not.equal(order, [0, 1, 2, 3, 4], 'the replies did come back out of order');
  });
});

test('streaming: first token at the first delta, deltas concatenate to the output', async () => {
  await withModel(
    fx('echo-model.mjs'),
    async (a) => {
      const { ctx, seen } = context();
      const r = await a.call(req('please echo these few words back'), 'c', ctx);
      assert.ok(seen.deltas.length > 1);
      assert.ok(seen.firstBeforeDelta);
      assert.is(seen.first, 1);
      assert.is(seen.deltas.join(''), r.output);
      assert.is(r.output, 'echo: please echo these few words back');
    },
    { env: { CMD_STREAM: '1' } },
  );
});

test('an error reply fails that call only', async () => {
  await withModel(fx('echo-model.mjs'), async (a) => {
    await rejects(a.call(req('#error model overloaded'), 'c', context().ctx), /reported an error: model overloaded/);
    assert.is((await a.call(req('still here'), 'd', context().ctx)).output, 'echo: still here');
  });
});

test('abort drops the pending call; the late reply is ignored', async () => {
  await withModel(fx('echo-model.mjs'), async (a) => {
    const { ctx, ctrl } = context();
    const p = a.call(req('#sleep 150 slow one'), 'c', ctx);
    setTimeout(() => ctrl.abort(), 20);
    await rejects(p, /aborted/);
    // The program replies ~150 ms after it reads the request (its own start-up comes first).
    for (let i = 0; i < 100 && a.describe().unmatchedLines === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.is((await a.call(req('fast one'), 'd', context().ctx)).output, 'echo: fast one');
    assert.is(a.describe().unmatchedLines, 1, 'the late reply was counted and dropped');
  });
});

test('crash: the engine records the failed calls as errors, the program is restarted and counted', async () => {
  await withModel(
    fx('crashy-model.mjs'),
    async (a) => {
      const items: WorkItem[] = Array.from({ length: 6 }, (_, i) => ({ caseId: `c${i}`, phase: 'main', request: req(`q${i}`) }));
      const out: ResponseRecord[] = [];
      const res = await runEngine(a, items, (r) => out.push(r), { concurrency: 1, timeoutMs: 10_000 });
      assert.is(res.state, 'completed');
      assert.is(out.length, 6);
      assert.equal(out.map((r) => r.status), ['ok', 'ok', 'error', 'ok', 'ok', 'error']);
      for (const r of out) {
        if (r.status === 'ok') assert.match(r.output, /^ok \d$/);
        else {
          assert.is(r.error.kind, 'adapter');
          assert.match(r.error.message, /exited with code 3/);
          assert.match(r.error.message, /crashy-model: giving up after 2 requests/);
        }
      }
      assert.is(a.describe().restarts, 1, 'restarted once, for the 4th call; the crash at the end needs none yet');
    },
    { maxRestarts: 3 },
  );
});

test('restart bound reached: every later call fails at once with a clear error', async () => {
  await withModel(
    fx('crashy-model.mjs'),
    async (a) => {
      for (let i = 0; i < 3; i++) await rejects(a.call(req('x'), 'c', context().ctx), /exited with code 7/);
      assert.is(a.describe().restarts, 2);
      const t0 = performance.now();
      await rejects(a.call(req('x'), 'c', context().ctx), /gave up on .*crashy-model\.mjs" after 2 restarts.*exited with code 7/);
      assert.ok(performance.now() - t0 < 1000);
    },
    { maxRestarts: 2, env: { CRASH_AFTER: '0', CRASH_CODE: '7' } },
  );
});

test('malformed stdout: the call fails naming the line; unmatched garbage is counted', async () => {
  await withModel(fx('garbage-model.mjs'), async (a) => {
    const call = (i: number) => a.call(req(`q${i}`), `c${i}`, context().ctx);
    assert.is((await call(1)).output, 'fine 1');
    await rejects(call(2), /stdout line 3: not a JSON object/);
    await rejects(call(3), /stdout line 4: no string "output"/);
    assert.is((await call(4)).output, 'fine 4');
    assert.is(a.describe().unmatchedLines, 2);
    assert.is(a.describe().restarts, 0, 'garbage is not a crash');
  });
});

test('close() ends stdin, then kills a program that stays (even one that ignores SIGTERM)', async () => {
  const t = tempDir();
  try {
    const pidFile = join(t.dir, 'pid');
    const prog = `node -e "process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.env.PIDFILE, String(process.pid)); setInterval(() => {}, 1000)"`;
    const a = await openCmd(prog, { graceMs: 100, env: { PIDFILE: pidFile } });
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(pid > 0);
    await a.close();
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the program is gone');
    await rejects(a.call(req('x'), 'c', context().ctx), /closed/);
  } finally {
    t.cleanup();
  }
});

test('a program that closes its stdout but keeps running counts as crashed', async () => {
  const prog = `node -e "process.stdin.once('data', () => require('fs').closeSync(1)); setInterval(() => {}, 1000)"`;
  await withModel(prog, async (a) => {
    await rejects(a.call(req('x'), 'c', context().ctx), /closed its stdout/);
  }, { maxRestarts: 0 });
});

test('a program that is missing or not executable is bad input at open', async () => {
  await rejects(openCmd('no-such-program-4711 --x'), (e: Error) => e instanceof InputError && /no-such-program-4711.*not found/.test(e.message));
  const t = tempDir();
  try {
    const f = join(t.dir, 'model.sh');
    writeFileSync(f, '#!/bin/sh\necho hi\n');
    chmodSync(f, 0o644);
    await rejects(openCmd(f), (e: Error) => e instanceof InputError && /not executable/.test(e.message));
  } finally {
    t.cleanup();
  }
});

test.run();
