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
function db() {
  if (!globalThis.indexedDB) return Promise.resolve(null);
  if (!dbPromise) {
    dbPromise = new Promise((resolve) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => resolve(null);
    });
  }
  return dbPromise;
}

/** Keep a blob under `id` (in memory, then IndexedDB) and announce it on `form`. */
export async function saveAttachment(form, id, blob, meta = {}) {
  const record = { blob, ...meta, form: form.getAttribute("data-ff-form"), type: blob.type, size: blob.size, created: new Date().toISOString() };
  attachments.set(id, record);
  form.dispatchEvent(new CustomEvent("ff:attachment", { bubbles: true, detail: { id, ...record } }));
  try {
    const d = await db();
    if (d) {
      await new Promise((resolve) => {
        const tx = d.transaction(STORE, "readwrite");
        tx.objectStore(STORE).put(record, id);
        tx.oncomplete = tx.onerror = tx.onabort = () => resolve();
      });
    }
  } catch (e) {
    /* private mode or quota: the in-memory copy and the event remain */
  }
  return id;
}

/** A blob kept on this device, or null. */
export async function loadAttachment(id) {
  if (attachments.has(id)) return attachments.get(id).blob;
  try {
    const d = await db();
    if (!d) return null;
    return await new Promise((resolve) => {
      const req = d.transaction(STORE).objectStore(STORE).get(id);
      req.onsuccess = () => resolve(req.result ? req.result.blob : null);
      req.onerror = () => resolve(null);
    });
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
