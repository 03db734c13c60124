import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

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
 * The 1,000 TeleQnA questions (MIT): ../shared/data/teleqna beside the checkout when present, else the
 * copy kept in fixtures/import/teleqna-sample (same files, with their LICENSE).
 */
export const TELEQNA_DIR = existsSync(join(ROOT, '../shared/data/teleqna/TeleQnA-sample.json'))
  ? join(ROOT, '../shared/data/teleqna')
  : join(ROOT, 'fixtures/import/teleqna-sample');
