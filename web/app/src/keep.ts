// A draft's chosen files, kept on the phone (IndexedDB) until the dossier is sent: a reload, or a night
// without network, does not lose the photos already taken.
const DB = "motcua-drafts";
const STORE = "files";

function database(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

/** Keep the files chosen for a procedure's draft (by document code). */
export function keepFiles(procedure: string, files: Record<string, File>): Promise<IDBValidKey> {
  return run("readwrite", (store) => store.put(files, procedure));
}

/** The files kept for a procedure's draft (none when nothing was kept or storage is unavailable). */
export async function keptFiles(procedure: string): Promise<Record<string, File>> {
  try {
    return ((await run("readonly", (store) => store.get(procedure))) as Record<string, File> | undefined) ?? {};
  } catch {
    return {};
  }
}

/** Forget them once the dossier is filed. */
export function dropFiles(procedure: string): Promise<undefined> {
  return run("readwrite", (store) => store.delete(procedure));
}
