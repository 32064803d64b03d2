// What the QR code on a paper (receipt 01, …) holds: the lookup URL with the dossier's code and its secret.

/** The code and proof in a scanned lookup link (the API's or this app's), or null for anything else. */
export function parseLookupQr(raw: string): { code: string; proof: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const proof = url.searchParams.get("proof");
  const api = /\/api\/v1\/lookup\/([^/]+)$/.exec(url.pathname);
  const code = api ? decodeURIComponent(api[1]!) : url.pathname === "/tra-cuu" ? url.searchParams.get("code") : null;
  return code && proof ? { code, proof } : null;
}
