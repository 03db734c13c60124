import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { PACKAGE_ROOT } from '../suites/paths.ts';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** modelgrade's own name and version (from package.json). */
export function harnessInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  return { name: pkg.name, version: pkg.version };
}

function versionOf(pkg: string): string {
  try {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

/** Facts about the machine a run happened on (no secrets, no environment variables). */
export function environmentFacts(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    onnxruntime_node: versionOf('onnxruntime-node'),
    transformers_js: versionOf('@huggingface/transformers'),
  };
}
