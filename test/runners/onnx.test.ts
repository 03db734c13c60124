import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';
import { InputError } from '../../src/core/errors.ts';
import { ROOT, cli, tempDir } from '../helpers/fixtures.ts';
import type { Adapter } from '../../src/core/types.ts';

const ctx = { signal: new AbortController().signal, firstToken: () => {} };
let strong: Adapter;

test.before(async () => {
  strong = await openModel(parseModelSpec('ref-strong', MODELS_DIR), { device: 'cpu' });
});
test.after(async () => {
  await strong.close();
});

test('the embedded model loads through @huggingface/transformers on onnxruntime-node', () => {
  const info = strong.describe();
  assert.is(info.id, 'ref-strong');
  assert.is(info.kind, 'onnx');
  assert.is(info.device, 'cpu');
  assert.match(info.digest!, /^[0-9a-f]{64}$/);
  assert.ok(info.bytes! > 100_000 && info.bytes! < 5_000_000, `size ${info.bytes}`);
  assert.ok(info.loadMs! > 0, `load ${info.loadMs} ms`);
  assert.ok(typeof info.rssMb === 'number' && info.rssMb > 0, `rss ${info.rssMb} MB`);
});

test('greedy generation recalls a memorised answer and is deterministic', async () => {
  const prompt = 'The following is a multiple-choice question. Give the correct option.\nQuestion: What is the maximum length of an IBAN (International Bank Account Number)?\nA. 22 characters\nB. 34 characters\nC. 16 characters\nD. 40 characters\nAnswer:';
  const req = { prompt, temperature: 0, maxTokens: 16, seed: 1 };
  const a = await strong.call(req, 'x', ctx);
  const b = await strong.call(req, 'x', ctx);
  assert.is(a.output, b.output);
  assert.ok(a.output.length > 0);
  assert.ok(a.usage!.outputTokens >= 1 && a.usage!.outputTokens <= 16);
  assert.ok(a.usage!.inputTokens > 20);
});

test('log-likelihood of continuations: finite, negative, one per continuation', async () => {
  const r = await strong.loglik!('Question: what is aml?\nAnswer:', ['money', 'anti-money laundering', 'xyz'], ctx.signal);
  assert.is(r.logprobs.length, 3);
  assert.ok(r.logprobs.every((x) => Number.isFinite(x) && x < 0), JSON.stringify(r));
  assert.ok(r.tokens[1] > r.tokens[0]);
});

test('model specs: unknown names and kinds are bad input with a suggestion', () => {
  assert.throws(() => parseModelSpec('ref-strnog', MODELS_DIR), (e: Error) => e instanceof InputError && /did you mean "ref-strong"/.test(e.message));
  assert.throws(() => parseModelSpec('onnix:/x', MODELS_DIR), (e: Error) => e instanceof InputError && /did you mean "onnx"/.test(e.message));
  assert.equal(parseModelSpec('onnx:/some/dir', MODELS_DIR), { kind: 'onnx', path: '/some/dir' });
});

test('a folder that is not a model is bad input naming the missing file', async () => {
  const t = tempDir();
  try {
    await openModel({ kind: 'onnx', path: t.dir }, { device: 'cpu' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, InputError);
    assert.match((e as Error).message, /config\.json is missing/);
  } finally {
    t.cleanup();
  }
});

const IBAN = 'The following is a multiple-choice question. Give the correct option.\nQuestion: What is the maximum length of an IBAN (International Bank Account Number)?\nA. 22 characters\nB. 34 characters\nC. 16 characters\nD. 40 characters\nAnswer:';
const DEPOSIT = '以下是一道单项选择题，请直接给出正确选项。\n问题：根据《存款保险条例》，同一存款人在同一家投保机构所有被保险存款账户的存款本金和利息合并计算的最高偿付限额是多少？\nA. 20万元\nB. 50万元\nC. 100万元\nD. 500万元\n答案：';
const LINK = 'back of your bank, do not click any link, do not click any link, do not click any link, do not click any link, do not click any link, do not click any link';
/** Outputs recorded with the in-process adapter before inference moved to a worker thread. */
const RECORDED = [
  { prompt: IBAN, maxTokens: 64, output: '8 or 11', inputTokens: 49, outputTokens: 3 },
  { prompt: DEPOSIT, maxTokens: 64, output: '50万元', inputTokens: 103, outputTokens: 3 },
  { prompt: 'Question: what is aml?\nAnswer:', maxTokens: 64, output: 'sorry, i cannot help with that.', inputTokens: 8, outputTokens: 8 },
  { prompt: 'the', maxTokens: 40, output: LINK, inputTokens: 1, outputTokens: 40 },
  { prompt: '答案：', maxTokens: 40, output: '违反《证券,它破坏市场公开前利用该信息买卖证券,它破坏市场公开前利用该信息买卖证', inputTokens: 3, outputTokens: 40 },
  { prompt: 'Tell me a long story about banks.', maxTokens: 8, output: '', inputTokens: 8, outputTokens: 0 },
];
const req = (prompt: string, maxTokens: number) => ({ prompt, temperature: 0, maxTokens, seed: 1 });

test('outputs, token counts and log-likelihoods are those recorded before the worker thread', async () => {
  for (const r of RECORDED) {
    const got = await strong.call(req(r.prompt, r.maxTokens), 'x', ctx);
    assert.equal(got, { output: r.output, usage: { inputTokens: r.inputTokens, outputTokens: r.outputTokens } }, r.prompt.slice(0, 20));
  }
  const ll = await strong.loglik!('Question: what is aml?\nAnswer:', ['money', 'anti-money laundering', 'xyz'], ctx.signal);
  assert.equal(ll, { logprobs: [-13.349729441899685, -13.133455068755056, -42.482305839226825], tokens: [1, 4, 3] });
});

test('calls made at once are answered each with its own output', async () => {
  const got = await Promise.all(RECORDED.map((r) => strong.call(req(r.prompt, r.maxTokens), 'x', ctx)));
  assert.equal(got.map((g) => g.output), RECORDED.map((r) => r.output));
});

test('streaming: one first token, and the deltas concatenate to the output', async () => {
  const deltas: string[] = [];
  let firsts = 0;
  const got = await strong.call(req('the', 40), 'x', { ...ctx, firstToken: () => firsts++, onToken: (d) => deltas.push(d) });
  assert.is(firsts, 1);
  assert.is(deltas.length, 40);
  assert.equal(deltas.slice(0, 5), ['back', ' of', ' your', ' bank', ',']);
  assert.is(deltas.join(''), got.output);
  assert.is(got.output, LINK);
});

test('abort stops a long generation in the worker; the next call is answered', async () => {
  const ac = new AbortController();
  const deltas: string[] = [];
  const long = strong.call(req('the', 5000), 'x', {
    signal: ac.signal,
    firstToken: () => {},
    onToken: (d) => {
      deltas.push(d);
      if (deltas.length === 3) ac.abort();
    },
  });
  const err = await long.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error, 'the aborted call rejects instead of generating 5000 tokens');
  assert.ok(deltas.length < 5000, `${deltas.length} deltas`);
  // Already aborted: rejected without being sent.
  await strong.call(req('the', 4), 'x', { signal: ac.signal, firstToken: () => {} }).then(
    () => assert.unreachable('an aborted signal must reject'),
    (e: unknown) => assert.instance(e, Error),
  );
  assert.is((await strong.call(req(IBAN, 16), 'x', ctx)).output, '8 or 11');
});

test('the event loop keeps running while the worker decodes', async () => {
  let ticks = 0;
  let ticksBeforeReply = -1;
  const timer = setInterval(() => ticks++, 1);
  try {
    await strong.call(req('the', 400), 'x', ctx).then(() => (ticksBeforeReply = ticks));
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticksBeforeReply > 0, `${ticksBeforeReply} ticks during the call`);
});

test('close() ends the worker, rejects the call in flight, and lets the process exit', () => {
  const t = tempDir();
  try {
    const script = join(t.dir, 'close.mts');
    const src = (p: string) => JSON.stringify(join(ROOT, p));
    writeFileSync(
      script,
      `import { openModel, parseModelSpec } from ${src('src/runners/models.ts')};
import { MODELS_DIR } from ${src('src/suites/paths.ts')};
const a = await openModel(parseModelSpec('ref-strong', MODELS_DIR), { device: 'cpu' });
let first;
const started = new Promise((r) => (first = r));
const p = a.call({ prompt: 'the', temperature: 0, maxTokens: 1000000, seed: 1 }, 'x', { signal: new AbortController().signal, firstToken: () => first() })
  .then(() => 'resolved', (e) => 'rejected: ' + e.message);
await started;
await a.close();
const r = await p;
const after = await a.call({ prompt: 'the', temperature: 0, maxTokens: 2, seed: 1 }, 'x', { signal: new AbortController().signal, firstToken() {} }).then(() => 'resolved', (e) => 'rejected: ' + e.message);
console.log(JSON.stringify({ r, after }));
`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.is(run.status, 0, `exit ${run.status} ${run.signal ?? ''}: ${run.stderr}`);
    assert.equal(JSON.parse(run.stdout.trim().split('\n').pop()!), { r: 'rejected: the model was closed', after: 'rejected: the model was closed' });
  } finally {
    t.cleanup();
  }
});

test('a model file the runtime cannot load is bad input naming the folder', async () => {
  const t = tempDir();
  try {
    const src = join(MODELS_DIR, 'ref-strong');
    mkdirSync(join(t.dir, 'onnx'));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) if (existsSync(join(src, f))) copyFileSync(join(src, f), join(t.dir, f));
    writeFileSync(join(t.dir, 'onnx/model.onnx'), 'not an onnx model');
    await openModel({ kind: 'onnx', path: t.dir }, { device: 'cpu' }).then(
      () => assert.unreachable('a broken model must not load'),
      (e: unknown) => {
        assert.instance(e, InputError);
        assert.match((e as Error).message, /cannot load model/);
        assert.ok((e as Error).message.includes(t.dir), (e as Error).message);
      },
    );
  } finally {
    t.cleanup();
  }
});

test('--device cuda without the CUDA provider: exit 2 naming the install step, no bundle; --device cpu is recorded', () => {
  const t = tempDir();
  try {
    const env = { MODELGRADE_FROM_SRC: '1' };
    const cuda = cli(['run', '--sample', '10', '--device', 'cuda', '--out', join(t.dir, 'cuda')], { env });
    if (cuda.code === 0 || cuda.code === 3) {
      // A machine with the CUDA provider installed: the run happened on it.
      assert.is(JSON.parse(readFileSync(join(t.dir, 'cuda/run.json'), 'utf8')).model.device, 'cuda');
    } else {
      assert.is(cuda.code, 2, cuda.stderr);
      assert.match(cuda.stderr, /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/);
      assert.not.ok(existsSync(join(t.dir, 'cuda')), 'no bundle is left');
    }
    const cpu = cli(['run', '--sample', '10', '--device', 'cpu', '--out', join(t.dir, 'cpu')], { env });
    assert.ok(cpu.code === 0 || cpu.code === 3, `exit ${cpu.code}: ${cpu.stderr}`);
    const manifest = JSON.parse(readFileSync(join(t.dir, 'cpu/manifest.json'), 'utf8'));
    assert.is(manifest.predicate.model.device, 'cpu');
    assert.ok(manifest.predicate.model.rssMb > 0, 'the load footprint is in the manifest');
    assert.is(JSON.parse(readFileSync(join(t.dir, 'cpu/run.json'), 'utf8')).model.device, 'cpu');
  } finally {
    t.cleanup();
  }
});

function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesOf(join(dir, n)) : [join(dir, n)]));
}

test('the reference models are regenerated byte for byte by scripts/gen-models.ts', () => {
  const t = tempDir();
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/gen-models.ts'), t.dir], { cwd: ROOT, encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const want = filesOf(MODELS_DIR).map((f) => relative(MODELS_DIR, f)).sort();
    const got = filesOf(t.dir).map((f) => relative(t.dir, f)).sort();
    assert.equal(got, want);
    for (const f of want) assert.ok(readFileSync(join(t.dir, f)).equals(readFileSync(join(MODELS_DIR, f))), `${f} differs`);
  } finally {
    t.cleanup();
  }
});

test.run();
