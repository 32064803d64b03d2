// The officer desk (and, beside it, the admin's screens): the shared client config at /desk/, no service worker
// (a desk at the counter is online; its screens must never show yesterday's queue).
import { defineConfig } from "vite";
import { clientConfig } from "../vite.shared";

export default defineConfig(clientConfig("desk"));
