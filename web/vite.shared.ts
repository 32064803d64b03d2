// What every client's Vite config shares: Preact, the kit and the API as @ui and @api, the API proxied to a
// running platform in development, one dependency cache, the build into the client's own dist/.
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import type { PluginOption, UserConfig } from "vite";
import manifest from "./clients.json";

const web = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
// `npm run dev` proxies the API to a running platform (`make run`): MOTCUA_API, default 127.0.0.1:8000.
const api = process.env.MOTCUA_API ?? "http://127.0.0.1:8000";

export interface Client {
  name: string;
  mount: string;
}

/** The clients as web/clients.json lists them. */
export const clients: Client[] = manifest.clients;

/** Where ``name`` is served (its ``base``): "/" for the citizen app, "/desk/" for the officer desk. */
export function mountOf(name: string): string {
  const found = clients.find((client) => client.name === name);
  if (!found) throw new Error(`web/clients.json lists no client "${name}"`);
  return found.mount;
}

/** The Vite config of the client in web/``name``/, with its own ``plugins`` beside Preact. */
export function clientConfig(name: string, plugins: PluginOption[] = []): UserConfig {
  return {
    root: web(name),
    base: mountOf(name),
    publicDir: web(`${name}/public`),
    resolve: { alias: { "@ui": web("ui"), "@api": web("api") } },
    plugins: [preact(), ...plugins],
    server: {
      proxy: Object.fromEntries(
        ["/api", "/openapi.json", "/docs", "/.well-known", "/asyncapi.json"].map((p) => [p, { target: api }]),
      ),
    },
    cacheDir: web("node_modules/.vite"),
    build: { outDir: web(`${name}/dist`), emptyOutDir: true, target: "es2022" },
  };
}
