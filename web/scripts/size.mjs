// First-load JavaScript of the built app, gzip: the entry index.html names and what it preloads (budget 150 KB).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const dist = new URL("../app/dist/", import.meta.url);
const html = readFileSync(new URL("index.html", dist), "utf8");
const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const path of scripts) {
  const size = gzipSync(readFileSync(new URL(path, dist)), { level: 9 }).length;
  total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(7)} KB  ${path}`);
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB  first-load JavaScript, gzip (budget 150 KB)`);
