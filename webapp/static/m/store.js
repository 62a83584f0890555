// The phone's own database (IndexedDB "fieldforms-m"): everything the app shows and every
// change not yet confirmed by the server survive a reload, a closed browser, a night.
//   kv            session, cursor, config, last sync
//   interventions the pulled interventions (+ `local`: status and timer changed here)
//   drafts        answers per intervention and form, saved as the technician types
//   outbox        operations to push, each with its UUID (made here) and a sequence number
//   rejected      operations the server refused or found in conflict, with its reason
//   uploads       photos and signatures to upload (their bytes are in attachments.js' store)

const NAME = "fieldforms-m";
const KEYS = { kv: null, interventions: "uuid", drafts: "key", outbox: "id", rejected: "id", uploads: "id" };
let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, 1);
      req.onupgradeneeded = () => {
        for (const [name, keyPath] of Object.entries(KEYS)) {
          if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name, keyPath ? { keyPath } : undefined);
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return opening;
}

async function run(store, mode, fn) {
  const d = await open();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(store, mode);
    let result;
    const req = fn(tx.objectStore(store));
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

export const get = (store, key) => run(store, "readonly", (s) => s.get(key));
export const all = (store) => run(store, "readonly", (s) => s.getAll());
export const put = (store, value, key) => run(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
export const del = (store, key) => run(store, "readwrite", (s) => s.delete(key));
export const draftKey = (iv, form) => `${iv}|${form}`;

let seq = 0;
/** A number that grows with every operation made on this device, across reloads. */
export function nextSeq() {
  seq = Math.max(seq + 1, Date.now() * 1000);
  return seq;
}
