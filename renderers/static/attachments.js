// Attachments made on the device (downscaled photos, signature PNGs): each gets a UUID made
// here, is kept in memory and in IndexedDB (so it survives a reload while offline), and is
// announced with an `ff:attachment` event on the form ({id, blob, field, kind}) for the
// offline client's outbox to upload. The answer holds only the id (never base64).

const DB_NAME = "fieldforms-attachments";
const STORE = "blobs";

/** id -> {blob, field, kind, form} for this page's life. */
export const attachments = new Map();

export function uuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

let dbPromise = null;
/** The database's connection (opened on first use, and again once the browser closed it);
 *  exported for the browser tests, which close it as the browser would. */
export function db() {
  if (!globalThis.indexedDB) return Promise.resolve(null);
  if (!dbPromise) {
    const opening = (dbPromise = new Promise((resolve) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => {
        const d = req.result;
        // closed by the browser (iOS Safari under memory pressure) or for another tab's
        // upgrade: the next call opens a new connection
        const forget = () => { if (dbPromise === opening) dbPromise = null; };
        d.onclose = forget;
        d.onversionchange = () => { d.close(); forget(); };
        resolve(d);
      };
      req.onerror = () => resolve(null);
    }));
  }
  return dbPromise;
}

/** `fn(store)` in a transaction, its request's result once it is done; on a connection
 *  closed under it (a transaction that cannot begin, or was aborted by the closing and so
 *  wrote nothing), once more on a new connection. Null without IndexedDB. */
async function withStore(mode, fn) {
  for (let attempt = 0; ; attempt += 1) {
    const d = await db();
    if (!d) return null;
    let tx;
    try {
      tx = d.transaction(STORE, mode);
    } catch (e) {
      if (e.name !== "InvalidStateError" || attempt > 0) throw e;
      dbPromise = null;
      continue;
    }
    const req = fn(tx.objectStore(STORE));
    const ok = await new Promise((resolve) => {
      tx.oncomplete = () => resolve(true);
      tx.onerror = tx.onabort = () => resolve(false);
    });
    if (ok) return req.result;
    if (attempt > 0 || !closed(d)) throw tx.error || new DOMException("The transaction was aborted.", "AbortError");
    dbPromise = null;
  }
}

/** Whether `d` can no longer begin a transaction (closed, or closing). */
function closed(d) {
  try {
    d.transaction(STORE, "readonly").abort();
    return false;
  } catch (e) {
    return e.name === "InvalidStateError";
  }
}

/** Keep a blob under `id` (in memory, then IndexedDB) and announce it on `form`. */
export async function saveAttachment(form, id, blob, meta = {}) {
  const record = { blob, ...meta, form: form.getAttribute("data-ff-form"), type: blob.type, size: blob.size, created: new Date().toISOString() };
  attachments.set(id, record);
  form.dispatchEvent(new CustomEvent("ff:attachment", { bubbles: true, detail: { id, ...record } }));
  try {
    await withStore("readwrite", (s) => s.put(record, id));
  } catch (e) {
    /* private mode or quota: the in-memory copy and the event remain */
  }
  return id;
}

/** A blob kept on this device, or null. */
export async function loadAttachment(id) {
  if (attachments.has(id)) return attachments.get(id).blob;
  try {
    const found = await withStore("readonly", (s) => s.get(id));
    return found ? found.blob : null;
  } catch (e) {
    return null;
  }
}

/** Where to show an attachment: a blob URL when it is on the device, else the page's URL pattern. */
export async function attachmentSrc(form, id) {
  const blob = await loadAttachment(id);
  if (blob) return URL.createObjectURL(blob);
  const pattern = form.getAttribute("data-ff-attachment-url");
  return pattern ? pattern.replace("{id}", encodeURIComponent(id)) : null;
}
