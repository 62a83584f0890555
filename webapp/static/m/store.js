// The phone's own database (IndexedDB "fieldforms-m"): everything the app shows and every
// change not yet confirmed by the server survive a reload, a closed browser, a night.
//   kv            session, cursor, config, last sync
//   interventions the pulled interventions (+ `local`: status and timer changed here)
//   drafts        answers per intervention and form, saved as the technician types
//   outbox        operations to push, each with its UUID (made here) and a sequence number
//   rejected      operations the server refused or found in conflict, with its reason
//   uploads       photos and signatures to upload (their bytes are in attachments.js' store)
//
// Every change of the outbox, drafts, refusals, uploads and interventions goes through
// outbox.js, each one a single transaction (transact) covering its read-modify-write.

const NAME = "fieldforms-m";
const VERSION = 1;
const KEYS = { kv: null, interventions: "uuid", drafts: "key", outbox: "id", rejected: "id", uploads: "id" };
let opening = null;

function connect() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => {
      for (const [name, keyPath] of Object.entries(KEYS)) {
        if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name, keyPath ? { keyPath } : undefined);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The open connection (opened on first use). */
export function open() {
  if (!opening) {
    opening = connect();
    opening.catch(() => { opening = null; });
  }
  return opening;
}

const ask = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

/** What a transaction's function works with: each call is a request in that transaction. */
function within(tx) {
  const s = (name) => tx.objectStore(name);
  return {
    get: (name, key) => ask(s(name).get(key)),
    all: (name) => ask(s(name).getAll()),
    put: (name, value, key) => ask(key === undefined ? s(name).put(value) : s(name).put(value, key)),
    del: (name, key) => ask(s(name).delete(key)),
  };
}

async function runIn(tx, fn) {
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error || new DOMException("The transaction was aborted.", "AbortError"));
  });
  let result;
  try {
    result = await fn(within(tx));
  } catch (e) {
    try { tx.abort(); } catch (x) { /* finished already */ }
    await done.catch(() => {});
    throw e;
  }
  await done;
  return result;
}

/** `fn(t)` in one transaction over `stores`: its reads and writes (t.get, t.all, t.put,
 *  t.del) see and make one consistent change, committed together once `fn` returns; its
 *  result once committed. `fn` awaits nothing but those calls (anything else would let the
 *  transaction commit midway). */
export async function transact(stores, mode, fn) {
  const d = await open();
  return runIn(d.transaction(stores, mode), fn);
}

export const get = (name, key) => transact(name, "readonly", (t) => t.get(name, key));
export const all = (name) => transact(name, "readonly", (t) => t.all(name));
/** Settings and what the server said (the kv store); the device's changes go through outbox.js. */
export const put = (name, value, key) => transact(name, "readwrite", (t) => t.put(name, value, key));
export const del = (name, key) => transact(name, "readwrite", (t) => t.del(name, key));
export const draftKey = (iv, form) => `${iv}|${form}`;

let seq = 0;
/** A number that grows with every operation made on this device, across reloads. */
export function nextSeq() {
  seq = Math.max(seq + 1, Date.now() * 1000);
  return seq;
}
