/** Policies kept in the browser: IndexedDB database 'ascent', object store 'policies' (name -> { bytes, savedAt }). */
const DB = 'ascent',
  STORE = 'policies';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`IndexedDB: ${req.error?.message ?? 'cannot open'}`));
  });
}

async function tx<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = run(db.transaction(STORE, mode).objectStore(STORE));
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new Error(`IndexedDB: ${req.error?.message ?? 'request failed'}`));
    });
  } finally {
    db.close();
  }
}

export const savePolicy = (name: string, bytes: Uint8Array) => tx('readwrite', (s) => s.put({ bytes, savedAt: new Date().toISOString() }, name));
export const listPolicies = () => tx('readonly', (s) => s.getAllKeys()).then((keys) => keys.map(String));
export async function loadPolicy(name: string): Promise<Uint8Array> {
  const v = await tx<{ bytes: Uint8Array } | undefined>('readonly', (s) => s.get(name));
  if (!v) throw new Error(`no policy named '${name}' is saved in this browser`);
  return v.bytes;
}
