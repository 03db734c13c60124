import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.ts';
import { didYouMean } from '../core/registry.ts';
import type { Adapter } from '../core/types.ts';
import { splitCommand } from './adapters/cmd.ts';
import { DEVICES, type Device } from './adapters/onnx.ts';

/** The embedded reference model used when no model is given. */
export const DEFAULT_MODEL = 'ref-strong';

/** Names of the embedded reference models (folders of fixtures/models). */
export function embeddedModels(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir).filter((d) => existsSync(join(modelsDir, d, 'config.json'))).sort();
}

/** A parsed `--model` spec. */
export type ModelSpec =
  | { kind: 'onnx'; path: string; id?: string }
  | { kind: 'replay'; path: string }
  | { kind: 'openai'; baseUrl: string }
  | { kind: 'cmd'; command: string };

const KINDS = ['onnx', 'replay', 'openai', 'cmd'];

/** Parses `onnx:<dir>`, `replay:<file>`, `openai:<base-url>`, `cmd:<program and args>` or an embedded model name. */
export function parseModelSpec(spec: string, modelsDir: string): ModelSpec {
  const m = /^([a-z]+):(.*)$/.exec(spec);
  if (m && m[1].length > 1) {
    const [, kind, rest] = m;
    if (!rest) throw new InputError(`model spec "${spec}" names no path`);
    if (kind === 'onnx') return { kind, path: rest };
    if (kind === 'replay') return { kind, path: rest };
    if (kind === 'openai') {
      let url: URL | undefined;
      try {
        url = new URL(rest);
      } catch {
        // reported below
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new InputError(`model spec "${spec}": expected openai:<http(s) base URL>, e.g. openai:http://127.0.0.1:8000/v1`);
      return { kind, baseUrl: rest.replace(/\/+$/, '') };
    }
    if (kind === 'cmd') {
      splitCommand(rest); // unterminated quotes are bad input now, not at open
      return { kind, command: rest.trim() };
    }
    throw new InputError(`unknown model kind "${kind}:"${didYouMean(kind, KINDS)}; use onnx:<dir>, replay:<responses.jsonl>, openai:<base-url>, cmd:<program> or an embedded model name`);
  }
  const names = embeddedModels(modelsDir);
  if (names.includes(spec)) return { kind: 'onnx', path: join(modelsDir, spec), id: spec };
  throw new InputError(`unknown model "${spec}"${didYouMean(spec, names)}; use onnx:<dir>, replay:<responses.jsonl>, openai:<base-url>, cmd:<program> or one of: ${names.join(', ')}`);
}

/** Opens the adapter for a spec; heavy runtimes are imported only here. */
export async function openModel(spec: ModelSpec, opts: { device: string; modelName?: string; apiKey?: string; apiKeyEnv?: string }): Promise<Adapter> {
  if (!(DEVICES as readonly string[]).includes(opts.device)) {
    throw new InputError(`unknown device "${opts.device}"${didYouMean(opts.device, DEVICES)}`, { field: '--device' });
  }
  if (spec.kind === 'replay') return (await import('./adapters/replay.ts')).openReplay(spec.path);
  if (spec.kind === 'cmd') return (await import('./adapters/cmd.ts')).openCmd(spec.command);
  if (spec.kind === 'openai') return (await import('./adapters/openai.ts')).openOpenAI(spec.baseUrl, { modelName: opts.modelName, apiKey: opts.apiKey, apiKeyEnv: opts.apiKeyEnv });
  return (await import('./adapters/onnx.ts')).openOnnx(spec.path, { device: opts.device as Device, id: spec.id });
}
