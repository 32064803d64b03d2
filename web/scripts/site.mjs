// The built clients laid out as they are served (the container's nginx root): each <name>/dist at its mount.
//   node scripts/site.mjs <out>
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2];
if (!out) throw new Error("usage: node scripts/site.mjs <out>");
const { clients } = JSON.parse(readFileSync(new URL("../clients.json", import.meta.url), "utf8"));
rmSync(out, { recursive: true, force: true });
// The root client first: the others land in their own folders inside it.
for (const { name, mount } of [...clients].sort((a, b) => a.mount.length - b.mount.length)) {
  cpSync(new URL(`../${name}/dist`, import.meta.url).pathname, join(out, mount), { recursive: true });
}
