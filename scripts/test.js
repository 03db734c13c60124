#!/usr/bin/env node
// Test runner: builds and typechecks, then runs every test/**/*.test.ts file (uvu) in its own process,
// two at a time, and ends with one line "N passed, N failed" (CI reads it). Fails when no test ran.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import os from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2];

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// Build dist/ (what bin/modelgrade.js runs, so the CLI tests test this source) and typecheck the rest.
const tscBin = join(root, 'node_modules/typescript/bin/tsc');
const tsc = [['-p', join(root, 'tsconfig.build.json')], ['--noEmit', '-p', join(root, 'tsconfig.json')]]
  .map((args) => spawnSync(process.execPath, [tscBin, ...args], { stdio: 'inherit' }))
  .find((r) => r.status !== 0) ?? { status: 0 };
if (tsc.status !== 0) {
  console.log('typecheck failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const files = findTests(join(root, 'test')).filter((f) => !filter || f.includes(filter));
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      const text = strip(out);
      const num = (label) => {
        const m = new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(text);
        return m ? Number(m[1]) : null;
      };
      const total = num('Total');
      const ok = num('Passed');
      const skip = num('Skipped') ?? 0;
      const name = relative(root, file);
      if (total === null || ok === null) {
        failed += 1;
        process.stdout.write(`✘ ${name}: no uvu summary (exit ${code})\n${text}\n`);
      } else {
        passed += ok;
        skipped += skip;
        const bad = total - ok - skip + (code !== 0 && total - ok - skip === 0 ? 1 : 0);
        failed += bad;
        process.stdout.write(`${bad ? '✘' : '✔'} ${name}: ${ok}/${total} passed (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
        if (bad) process.stdout.write(text + '\n');
      }
      resolve();
    });
  });
}

const queue = [...files];
const workers = Math.max(1, Math.min(2, os.cpus().length));
await Promise.all(Array.from({ length: workers }, async () => {
  while (queue.length) await runFile(queue.shift());
}));

if (passed + failed === 0) {
  console.log('no test ran');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
