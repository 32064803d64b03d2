// The platform's API, typed from the gateway's /openapi.json (api/schema.d.ts, generated, never hand-written),
// and the signed-in session: the access token in memory, the refresh token kept so a reload stays signed in.
import createClient, { type Middleware } from "openapi-fetch";
import { signal } from "@preact/signals";
import type { components, paths } from "@api/schema";

export type Schemas = components["schemas"];
export type Problem = { title?: string; detail?: string; status?: number; errors?: { field?: string; message?: string }[] };

// Each client keeps its own session (a citizen and an officer may be signed in side by side on one origin):
// the citizen app at "/" keeps the keys it always had, another client's are suffixed with its mount.
const CLIENT = import.meta.env.BASE_URL === "/" ? "" : import.meta.env.BASE_URL;
const REFRESH_KEY = `motcua.refresh${CLIENT}`;
const ME_KEY = `motcua.me${CLIENT}`;

export interface Session {
  access: string;
  expiresAt: number;
  me: Schemas["MeOut"];
}

/** Who is signed in (null: nobody). */
export const session = signal<Session | null>(null);

export const api = createClient<paths>({ baseUrl: location.origin });

let refreshing: Promise<string | null> | null = null;

/** A valid access token, refreshed with the kept refresh token when needed; null when signed out. */
export async function accessToken(): Promise<string | null> {
  const now = Date.now();
  const current = session.value;
  if (current && current.expiresAt - 30_000 > now) return current.access;
  const refresh = localStorage.getItem(REFRESH_KEY);
  if (!refresh) return null;
  refreshing ??= (async () => {
    let data: Schemas["TokenOut"] | undefined;
    try {
      ({ data } = await api.POST("/api/v1/auth/token", {
        body: { grant_type: "refresh_token", refresh_token: refresh },
      }));
    } catch {
      // Offline: still the same citizen, so the screens they saw (kept by the service worker) and their
      // drafts stay open; the next call online refreshes the token.
      const me = localStorage.getItem(ME_KEY);
      if (me) session.value = { access: "", expiresAt: 0, me: JSON.parse(me) as Schemas["MeOut"] };
      return null;
    }
    if (!data) {
      localStorage.removeItem(REFRESH_KEY);
      session.value = null;
      return null;
    }
    await adopt(data);
    return data.access_token;
  })().finally(() => (refreshing = null));
  return refreshing;
}

/** Keep the tokens of a successful sign-in and learn who they belong to. */
export async function adopt(tokens: Schemas["TokenOut"]): Promise<void> {
  if (tokens.refresh_token) localStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  const { data: me } = await api.GET("/api/v1/auth/me", {
    headers: { Authorization: `Bearer ${tokens.access_token}` },
  });
  if (!me) throw new Error("auth/me");
  localStorage.setItem(ME_KEY, JSON.stringify(me));
  session.value = { access: tokens.access_token, expiresAt: Date.now() + tokens.expires_in * 1000, me };
}

/** Sign out: the refresh token is revoked, and what the app cached for this citizen is dropped. */
export async function signOut(): Promise<void> {
  const refresh = localStorage.getItem(REFRESH_KEY);
  localStorage.removeItem(REFRESH_KEY);
  localStorage.removeItem(ME_KEY);
  session.value = null;
  if (refresh) await api.POST("/api/v1/auth/logout", { body: { refresh_token: refresh } }).catch(() => undefined);
  // The citizen app's service worker keeps API answers; another client has none to drop.
  if (!CLIENT && "caches" in self) await caches.delete("api").catch(() => false);
}

/** The Authorization header, or null when signed out. */
export async function authHeaders(): Promise<Record<string, string> | null> {
  const token = await accessToken();
  return token ? { Authorization: `Bearer ${token}` } : null;
}

const bearer: Middleware = {
  async onRequest({ request, schemaPath }) {
    if (schemaPath.startsWith("/api/v1/auth/token") || request.headers.has("Authorization")) return request;
    const token = await accessToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};
api.use(bearer);

/** The problem's words for a person: its detail, else its title. */
export function problemText(error: unknown, fallback: string): string {
  const problem = error as Problem | undefined;
  return problem?.detail || problem?.title || fallback;
}

async function fileBlob(path: string): Promise<Blob> {
  const headers = (await authHeaders()) ?? {};
  const response = await fetch(path, { headers });
  if (!response.ok) throw new Error(`${response.status}`);
  return response.blob();
}

/** Fetch a protected file (a paper, a receipt, a QR image) and hand back an object URL for it. */
export async function fileUrl(path: string): Promise<string> {
  return URL.createObjectURL(await fileBlob(path));
}

/** Download a protected file (a paper, a receipt) under ``name``, as a link the citizen clicked would. */
export async function saveFile(path: string, name: string): Promise<void> {
  saveBlob(await fileBlob(path), name);
}

/** Hand ``blob`` (a file the typed client fetched with ``parseAs: "blob"``) to the browser as a download. */
export function saveBlob(blob: Blob, name: string): void {
  const href = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 30_000);
}

/** A multipart body for the typed client's ``bodySerializer``: text fields as they are, files as file parts,
 * other values as their JSON text (a filing's ``dossier`` part, which the API reads as JSON). */
export function multipart(fields: Record<string, string | Blob | object>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === "string") form.append(name, value);
    else if (value instanceof File) form.append(name, value, value.name);
    else if (value instanceof Blob) form.append(name, value);
    else form.append(name, JSON.stringify(value));
  }
  return form;
}

/** POST a multipart form with upload progress (fetch cannot report it), as JSON back. */
export function upload(
  path: string,
  form: FormData,
  headers: Record<string, string>,
  onProgress: (fraction: number) => void,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(form);
  });
}
