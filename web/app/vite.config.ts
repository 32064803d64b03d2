/// <reference types="vitest/config" />
// The citizen app: Vite + Preact, the PWA plugin (manifest, Workbox service worker), the shared kit as @ui.
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { VitePWA } from "vite-plugin-pwa";
import { defineConfig } from "vite";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
// `npm run dev` proxies the API to a running platform (`make run`): MOTCUA_API, default 127.0.0.1:8000.
const api = process.env.MOTCUA_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  root: here("."),
  publicDir: here("public"),
  resolve: { alias: { "@ui": here("../ui"), "@api": here("../api") } },
  plugins: [
    preact(),
    VitePWA({
      registerType: "prompt",
      injectRegister: false,
      manifest: {
        name: "Dịch vụ công Huế",
        short_name: "Dịch vụ công",
        description: "Tìm thủ tục, nộp hồ sơ, thanh toán và theo dõi hồ sơ trực tuyến.",
        lang: "vi",
        start_url: "/",
        scope: "/",
        display: "standalone",
        background_color: "#ffffff",
        theme_color: "#7a1f1f",
        icons: [
          { src: "icons/icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "icons/icon-512.png", sizes: "512x512", type: "image/png" },
          { src: "icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
        ],
      },
      workbox: {
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        importScripts: ["push-sw.js"],
        navigateFallback: "/index.html",
        navigateFallbackDenylist: [/^\/api\//, /^\/ops\//, /^\/docs/, /^\/openapi\.json/, /^\/\.well-known\//],
        runtimeCaching: [
          {
            // The catalogue, and the citizen's dossiers as last seen: network first, the cache when offline.
            urlPattern: ({ url, request }) =>
              request.method === "GET" &&
              /^\/api\/v1\/(procedures|fields|agencies|dossiers|notifications)(\/|\?|$)/.test(url.pathname + url.search.slice(0, 1)),
            handler: "NetworkFirst",
            options: { cacheName: "api", networkTimeoutSeconds: 4, expiration: { maxEntries: 300 } },
          },
        ],
      },
    }),
  ],
  server: {
    proxy: Object.fromEntries(
      ["/api", "/openapi.json", "/docs", "/.well-known", "/asyncapi.json"].map((p) => [p, { target: api }]),
    ),
  },
  cacheDir: here("../node_modules/.vite"),
  build: { outDir: here("dist"), emptyOutDir: true, target: "es2022" },
  test: { include: ["../ui/**/*.test.ts", "src/**/*.test.ts"], environment: "node" },
});
