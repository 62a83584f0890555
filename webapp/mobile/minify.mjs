// The phone's first load is held to 120 KB (issue 14): the scripts and styles the phone and
// the back office load are served minified. There is no bundling: each file keeps its URL,
// so an ES module is the same module whoever imports it (the app, a test, the back office).
//
//   node webapp/mobile/minify.mjs OUT_DIR SOURCE_DIR...
//
// Each .js and .css file of the source folders (not their subfolders, but the vendored
// vendor/*/ ones) is minified by esbuild into OUT_DIR/<sha256 of the source>.<ext>: content
// addressed, so the server (webapp/mobile/minified.py) serves a minified copy only of the
// exact source it was made from, never a stale one, and the source itself otherwise.
// Copies of sources that no longer exist are removed. Run by `make assets`.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { transformSync } from "esbuild";

const [out, ...roots] = process.argv.slice(2);
if (!out || !roots.length) {
  console.error("usage: node webapp/mobile/minify.mjs OUT_DIR SOURCE_DIR...");
  process.exit(2);
}

function sources(dir, depth = 0) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) {
      if (depth < 2 && (depth > 0 || name === "vendor")) found.push(...sources(file, depth + 1));
    } else if (/\.(js|css)$/.test(name)) {
      found.push(file);
    }
  }
  return found;
}

mkdirSync(out, { recursive: true });
const made = new Set();
let written = 0;
for (const file of roots.flatMap((r) => sources(r))) {
  const code = readFileSync(file);
  const ext = path.extname(file).slice(1);
  const name = `${createHash("sha256").update(code).digest("hex")}.${ext}`;
  made.add(name);
  const target = path.join(out, name);
  if (existsSync(target)) continue;
  // legal comments (a vendored library's licence) are kept
  const result = transformSync(code.toString("utf8"), { loader: ext, minify: true, legalComments: "inline", sourcefile: file });
  writeFileSync(target, result.code);
  written += 1;
}
for (const name of readdirSync(out)) if (!name.startsWith(".") && !made.has(name)) rmSync(path.join(out, name));
console.log(`minified ${made.size} files into ${out} (${written} new)`);
