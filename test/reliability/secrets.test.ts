// A planted API key (named by --api-key-env) must appear nowhere: not in any file of any bundle, not in
// stdout or stderr, on success, on a 401, on an unreachable endpoint, with --debug, nor in the
// commands that read the bundle afterwards (report, rescore, verify). The endpoint is real:
// startServer over the embedded ref-weak model; the 401 server is a tiny node:http server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../helpers/fixtures.ts';
import { findLeaks, secretForms } from '../helpers/leaks.ts';
import { startServer, type RunningServer } from '../../src/runners/serve.ts';
import { openModel, parseModelSpec } from '../../src/runners/models.ts';
import { MODELS_DIR } from '../../src/suites/paths.ts';
import type { Adapter } from '../../src/core/types.ts';

const KEY = `sk-planted-${randomBytes(18).toString('hex')}`;
const VAR = 'MG_PLANTED_API_KEY';
const SUITE = join(ROOT, 'fixtures/malformed/base');
const t = tempDir('mg-secrets-');
const outputs: Record<string, string> = {};

/** The CLI with the key in its environment, asynchronously (the servers live in this process). */
function cli(label: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/modelgrade.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: '1', [VAR]: KEY } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      outputs[`${label} stdout`] = stdout;
      outputs[`${label} stderr`] = stderr;
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

let adapter: Adapter;
let served: RunningServer;
let reject401: Server;
let url401 = '';
const seenAuth: string[] = [];
let unreachable = '';
/** When set, the 401 server lists its models and refuses only the chat calls. */
let modelsOk = false;

test.before(async () => {
  adapter = await openModel(parseModelSpec('ref-weak', MODELS_DIR), { device: 'cpu' });
  served = await startServer(adapter, { port: 0 });
  reject401 = createServer((req, res) => {
    seenAuth.push(String(req.headers.authorization ?? ''));
    req.resume();
    if (modelsOk && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ object: 'list', data: [{ id: 'm-1', object: 'model' }] }));
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    // A careless server echoes the key back: the harness must not repeat it.
    res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
  });
  await new Promise<void>((r) => reject401.listen(0, '127.0.0.1', r));
  url401 = `http://127.0.0.1:${(reject401.address() as { port: number }).port}/v1`;
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  unreachable = `http://127.0.0.1:${(probe.address() as { port: number }).port}/v1`;
  await new Promise<void>((r) => probe.close(() => r()));
});
test.after(async () => {
  if (process.env.MG_SHOW_OUTPUTS) for (const [k, v] of Object.entries(outputs)) if (/unreachable|401/.test(k) || process.env.MG_SHOW_OUTPUTS === 'all') console.log(`--- ${k}\n${v.slice(0, 1500)}`);
  await served?.close();
  await new Promise<void>((r) => (reject401 ? reject401.close(() => r()) : r()));
  await adapter?.close();
  t.cleanup();
});

const run = (out: string, url: string, more: string[] = []) =>
  ['run', '--suite', SUITE, '--model', `openai:${url}`, '--api-key-env', VAR, '--out', join(t.dir, out), '--timeout', '20000', ...more];

test('the key forms searched for include base64', () => {
  const forms = secretForms(KEY);
  assert.ok(forms.includes(KEY));
  assert.ok(forms.includes(Buffer.from(KEY).toString('base64')));
});

test('a run against a real endpoint, with and without --debug, then report, rescore and verify: no trace of the key', async () => {
  const a = await cli('run', run('ok', served.url));
  assert.ok(a.code === 0 || a.code === 3, `exit ${a.code}: ${a.stderr}`);
  const b = await cli('run --debug', [...run('ok-debug', served.url), '--debug']);
  assert.ok(b.code === 0 || b.code === 3, `exit ${b.code}: ${b.stderr}`);
  for (const dir of ['ok', 'ok-debug']) {
    const bundle = join(t.dir, dir);
    const r = await cli(`report ${dir}`, ['report', bundle, '--debug']);
    assert.is(r.code, 0, r.stderr);
    const s = await cli(`rescore ${dir}`, ['rescore', bundle, '--debug']);
    assert.ok(s.code === 0 || s.code === 3, s.stderr);
    const v = await cli(`verify ${dir}`, ['verify', bundle, '--debug']);
    assert.is(v.code, 0, v.stdout + v.stderr);
  }
  assert.equal(findLeaks(KEY, { dirs: [join(t.dir, 'ok'), join(t.dir, 'ok-debug')], texts: outputs }), []);
});

test('a 401 that echoes the key, with --debug: a clear error, the key used but never repeated', async () => {
  const r = await cli('run 401', [...run('auth', url401), '--debug']);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /401|auth/i);
  // The model list answered, every chat call refused (the key echoed in each error body).
  modelsOk = true;
  const before = seenAuth.length;
  const c = await cli('run 401 chat', [...run('auth-chat', url401), '--debug']);
  assert.ok(seenAuth.length > before + 1, 'chat calls were made');
  assert.is.not(c.code, 0, c.stdout);
  assert.ok(seenAuth.includes(`Bearer ${KEY}`), `the key was sent: ${seenAuth.length} requests`);
  assert.equal(findLeaks(KEY, { dirs: [t.dir], texts: outputs }), []);
});

test('an unreachable endpoint, with and without --debug: no trace of the key', async () => {
  const a = await cli('run unreachable', run('down', unreachable));
  const b = await cli('run unreachable --debug', [...run('down-debug', unreachable), '--debug']);
  assert.is.not(a.code, 0);
  assert.is.not(b.code, 0);
  assert.ok((a.stderr + a.stdout).length > 0, 'says something');
  assert.equal(findLeaks(KEY, { dirs: [t.dir], texts: outputs }), []);
});

test('the leak check itself: it finds a planted key in a file (base64) and in a text', () => {
  const { dir, cleanup } = tempDir('mg-leakcheck-');
  try {
    writeFileSync(join(dir, 'a.log'), `Authorization: Basic ${Buffer.from(KEY).toString('base64')}`);
    const hits = findLeaks(KEY, { dirs: [dir], texts: { out: `key=${KEY}` } });
    assert.is(hits.length, 2, hits.join('; '));
  } finally {
    cleanup();
  }
});

test.run();
