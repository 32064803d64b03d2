// Build every client web/clients.json lists, each by its own vite.config.ts into <name>/dist.
import { readFileSync } from "node:fs";
import { build } from "vite";

const { clients } = JSON.parse(readFileSync(new URL("../clients.json", import.meta.url), "utf8"));
for (const { name } of clients) {
  console.log(`\n— ${name}`);
  await build({ configFile: new URL(`../${name}/vite.config.ts`, import.meta.url).pathname });
}
