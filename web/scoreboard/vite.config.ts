// The public scoreboard: the shared client config at /scoreboard/, no service worker (its figures are live).
import { defineConfig } from "vite";
import { clientConfig } from "../vite.shared";

export default defineConfig(clientConfig("scoreboard"));
