import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT } from './fixtures.ts';

/** Recorded nvidia-smi outputs and the stand-in script that replays them. */
export const NVSMI_FIXTURES = join(ROOT, 'fixtures/nvidia-smi');

/**
 * Writes an executable `nvidia-smi` into `<dir>/bin` that runs fixtures/nvidia-smi/fake-nvidia-smi.mjs
 * (a real child process), and returns the environment that puts it first on PATH, replaying `csv`.
 */
export function fakeNvidiaSmiEnv(dir: string, csv: string, extra: Record<string, string> = {}): Record<string, string> {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const exe = join(bin, 'nvidia-smi');
  writeFileSync(exe, `#!/bin/sh\nexec '${process.execPath}' '${join(NVSMI_FIXTURES, 'fake-nvidia-smi.mjs')}' "$@"\n`);
  chmodSync(exe, 0o755);
  return { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, FAKE_NVIDIA_SMI_CSV: join(NVSMI_FIXTURES, csv), ...extra };
}

/** The current PATH without any folder that holds an nvidia-smi (so that none is found, even on a GPU machine). */
export function pathWithoutNvidiaSmi(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d && !existsSync(join(d, 'nvidia-smi')))
    .join(delimiter);
}
