/// <reference types="vitest/config" />
// The citizen app: the shared client config (../vite.shared.ts), the PWA plugin (manifest, Workbox service worker).
import { VitePWA } from "vite-plugin-pwa";
import { defineConfig } from "vite";
import { clientConfig, clients } from "../vite.shared";

// The worker's scope is the whole origin: the other clients' pages (the desk, …) are never this app's shell.
const otherClients = clients.filter((c) => c.mount !== "/").map((c) => new RegExp(`^${c.mount}`));

const base = clientConfig("app");

export default defineConfig({
  ...base,
  plugins: [
    ...(base.plugins ?? []),
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
        navigateFallbackDenylist: [/^\/api\//, /^\/ops\//, /^\/docs/, /^\/openapi\.json/, /^\/\.well-known\//, ...otherClients],
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
  // Every client's unit tests run here, in one vitest run (`npm test`).
  test: { include: ["../ui/**/*.test.ts", "../*/src/**/*.test.ts"], environment: "node" },
});
