// The phone's own database (IndexedDB "fieldforms-m"): everything the app shows and every
// change not yet confirmed by the server survive a reload, a closed browser, a night.
//   kv            session, cursor, config, last sync
//   interventions the pulled interventions (+ `local`: status and timer changed here)
//   drafts        answers per intervention and form, saved as the technician types
//   outbox        operations to push, each with its UUID (made here) and a sequence number
//   rejected      operations the server refused or found in conflict, with its reason
//   uploads       photos and signatures to upload (their bytes are in attachments.js' store)
//
// What lasts: the app asks the browser to keep this storage under pressure (persist()).
// The connection may be closed under it (iOS Safari does so under memory pressure; another
// tab upgrading the database asks for it with `versionchange`): the next transaction opens
// a new one, and a transaction the closing aborted runs again on it, so no write is lost.
//
// Every change of the outbox, drafts, refusals, uploads and interventions goes through
// outbox.js, each one a single transaction (transact) covering its read-modify-write.

const NAME = "fieldforms-m";
const VERSION = 1;
const KEYS = { kv: null, interventions: "uuid", drafts: "key", outbox: "id", rejected: "id", uploads: "id" };
let opening = null;
let connection = null;

function connect() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, VERSION);
    req.onupgradeneeded = () => {
      for (const [name, keyPath] of Object.entries(KEYS)) {
        if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name, keyPath ? { keyPath } : undefined);
      }
    };
    req.onsuccess = () => {
      const d = req.result;
      d.onclose = () => forget(d); // closed by the browser, not by us
      d.onversionchange = () => { d.close(); forget(d); }; // a newer app wants to upgrade: let it
      connection = d;
      resolve(d);
    };
    req.onerror = () => reject(req.error);
  });
}

/** The next transaction opens a new connection (`d` is closed, or closing). */
function forget(d) {
  if (connection !== d) return;
  connection = null;
  opening = null;
}

/** The open connection (opened on first use, and again after the browser closed it). */
export function open() {
  if (!opening) {
    opening = connect();
    opening.catch(() => { opening = null; });
  }
  return opening;
}

/** Whether `d` can no longer start a transaction (closed, by us or by the browser). */
function closed(d) {
  try {
    d.transaction(Object.keys(KEYS)[0], "readonly").abort();
    return false;
  } catch (e) {
    return e.name === "InvalidStateError";
  }
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
 *  transaction commit midway), and may run twice: a transaction aborted because the browser
 *  closed the connection runs again on a new one (it changed nothing). */
export async function transact(stores, mode, fn) {
  for (let attempt = 0; ; attempt += 1) {
    const d = await open();
    let tx;
    try {
      tx = d.transaction(stores, mode);
    } catch (e) {
      if (e.name !== "InvalidStateError" || attempt > 2) throw e;
      forget(d); // closed: open again
      continue;
    }
    try {
      return await runIn(tx, fn);
    } catch (e) {
      if (attempt > 2 || !closed(d)) throw e;
      forget(d); // aborted by the connection closing: nothing was written, run it again
    }
  }
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

/** Ask the browser to keep this storage when space runs short (else it may clear it, with
 *  changes not sent yet): true kept, false refused, null when the browser cannot say. */
export async function persist() {
  const s = navigator.storage;
  if (!s || !s.persist) return null;
  try {
    return (s.persisted && (await s.persisted())) || (await s.persist());
  } catch (e) {
    return false;
  }
}
