import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** Repository root. */
export const ROOT = new URL('../../', import.meta.url).pathname;

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'mg-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the real CLI (bin/modelgrade.js) and returns exit code and output. */
export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/modelgrade.js'), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, CI: '1', ...opts.env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Writes `<dir>/<id>.yaml`: the ci profile with id `id` and SLOs of 10 minutes, so that no latency can
 * change a verdict, then each further [pattern, replacement] applied; returns its path.
 */
export function timingProofProfile(dir: string, id: string, more: [RegExp, string][] = []): string {
  let text = readFileSync(join(ROOT, 'suites/profiles/ci.yaml'), 'utf8')
    .replace(/^id: ci$/m, `id: ${id}`)
    .replace(/e2e_ms: \d+/, 'e2e_ms: 600000')
    .replace(/ttft_ms: \d+/, 'ttft_ms: 600000');
  for (const [re, to] of more) text = text.replace(re, to);
  const file = join(dir, `${id}.yaml`);
  writeFileSync(file, text);
  return file;
}

/**
 * Runs the real CLI without blocking this process (servers and proxies of the test live in it), with
 * extra environment variables; resolves with exit code, output and wall time (ms).
 */
export function cliAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [join(ROOT, 'bin/modelgrade.js'), ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/** A `modelgrade serve` child process: its base URL (…/v1), everything it printed so far, and stop(). */
export interface ServeChild {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `modelgrade serve --port 0 …args` as a child and waits (at most 60 s) for the URL it prints. */
export async function serveChild(args: string[] = []): Promise<ServeChild> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/modelgrade.js'), 'serve', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Serving \S+ at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, child, output: () => out, stop };
}

/**
 * The 1,000 TeleQnA questions (MIT): ../shared/data/teleqna beside the checkout when present, else the
 * copy kept in fixtures/import/teleqna-sample (same files, with their LICENSE).
 */
export const TELEQNA_DIR = existsSync(join(ROOT, '../shared/data/teleqna/TeleQnA-sample.json'))
  ? join(ROOT, '../shared/data/teleqna')
  : join(ROOT, 'fixtures/import/teleqna-sample');
