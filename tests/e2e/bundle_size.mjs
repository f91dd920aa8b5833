// The release bundle's size: every .wasm, .js and .css file in dist/,
// raw and gzipped (level 9, as a static host would serve them).
//
//   node tests/e2e/bundle_size.mjs [dist-dir]     prints the table; exits 1 over budget
//
// The budget (issue 6): wasm + js + css gzipped <= 400 KB.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

import { DIST } from './lib.mjs';

export const BUDGET_BYTES = 400 * 1024;

/** [{ file, raw, gzipped }] for the bundle's files, and the gzipped total. */
export function bundleSize(dir = DIST) {
  const files = readdirSync(dir)
    .filter((f) => /\.(wasm|js|css)$/.test(f))
    .sort()
    .map((file) => {
      const bytes = readFileSync(path.join(dir, file));
      return { file, raw: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
    });
  return { files, total: files.reduce((sum, f) => sum + f.gzipped, 0) };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : DIST;
  const { files, total } = bundleSize(dir);
  for (const f of files) console.log(`${f.file.padEnd(48)} ${kb(f.raw).padStart(10)} raw ${kb(f.gzipped).padStart(10)} gzipped`);
  console.log(`total gzipped: ${kb(total)} (budget ${kb(BUDGET_BYTES)})`);
  if (total > BUDGET_BYTES) {
    console.error('over budget');
    process.exitCode = 1;
  }
}
