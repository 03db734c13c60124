#!/usr/bin/env node
// Entry point: the compiled CLI in dist/ (built by `npm ci` / `npm run build`); from a checkout
// without a build (or with MODELGRADE_FROM_SRC=1), the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

// A reader that stops early (`modelgrade list indicators | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
// MODELGRADE_FROM_SRC=1 runs the sources even when dist/ exists (development while dist/ is stale).
if (existsSync(compiled) && !process.env.MODELGRADE_FROM_SRC) {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
