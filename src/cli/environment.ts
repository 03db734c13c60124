import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { PACKAGE_ROOT } from '../suites/paths.ts';
import { dirname, join } from 'node:path';
import { queryGpus, type GpuQuery } from '../runners/nvidia-smi.ts';

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

/** The distribution's name from /etc/os-release (PRETTY_NAME, else NAME VERSION), or null. */
export function osDistro(file = '/etc/os-release'): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2'));
  }
  const name = kv.get('PRETTY_NAME') ?? [kv.get('NAME'), kv.get('VERSION')].filter(Boolean).join(' ');
  return name || null;
}

/**
 * GPU facts, flat (`gpu_count`, `gpu_driver`, `gpu_<i>_name`, `gpu_<i>_memory_mib`), from one
 * nvidia-smi query; `gpu: 'none (<why>)'` when there is none to list.
 */
export function gpuFacts(q: GpuQuery = queryGpus()): Record<string, string | number> {
  if (q.state !== 'ok') return { gpu: `none (${q.reason})` };
  const out: Record<string, string | number> = { gpu_count: q.gpus.length, gpu_driver: [...new Set(q.gpus.map((g) => g.driver))].join(', ') };
  for (const g of q.gpus) {
    out[`gpu_${g.index}_name`] = g.name;
    if (g.memoryTotalMib !== null) out[`gpu_${g.index}_memory_mib`] = g.memoryTotalMib;
  }
  return out;
}

/**
 * Facts about the machine a run happened on: CPU, cores, memory (GiB), OS and distribution, Node,
 * the runtime packages' versions, the execution provider the model ran on (`execution_provider`, from
 * ModelInfo.device) and the GPUs nvidia-smi lists. No secrets: no environment variable is copied.
 */
export function environmentFacts(opts: { device?: string; gpus?: GpuQuery } = {}): Record<string, string | number> {
  const cpus = os.cpus();
  const distro = osDistro();
  return {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    platform: process.platform,
    os_release: os.release(),
    ...(distro ? { os_distro: distro } : {}),
    arch: process.arch,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    onnxruntime_node: versionOf('onnxruntime-node'),
    transformers_js: versionOf('@huggingface/transformers'),
    ...(opts.device ? { execution_provider: opts.device } : {}),
    ...gpuFacts(opts.gpus ?? queryGpus()),
  };
}
