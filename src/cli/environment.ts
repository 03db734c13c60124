import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { PACKAGE_ROOT } from '../suites/paths.ts';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** modelgrade's own name and version (from package.json). */
export function harnessInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  return { name: pkg.name, version: pkg.version };
}

/** Installed version of a package (found from its entry point: some packages export no package.json). */
function versionOf(pkg: string): string {
  try {
    let dir = dirname(require.resolve(pkg));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8'));
        if (json.name === pkg) return json.version;
      }
      const up = dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
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
