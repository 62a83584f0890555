// Sync with the server: upload photos and signatures, push the outbox, pull the day.
// An operation leaves the outbox only when the server says it was applied (or was already:
// a replay), or refused with a reason, which is kept and shown. This module talks to the
// network; every change of the device's data it makes goes through outbox.js, one
// transaction each, so that a save made at any moment of a round is kept and sent.
//
// When a round runs: when the app opens, a moment after each change, every minute, and at
// once when the network comes back (`online`) or the page is shown again
// (`visibilitychange`). A round that fails (server unreachable, or answering an error) is
// tried again after a jittered exponential back-off, 0.5 s doubling up to RETRY_CAP (4 s),
// while the page is visible: the phone catches up within seconds of the server coming back.
// Operations the server asked to send again later ("retry": a photo not there yet) back off
// the same way up to a minute.

import * as store from "./store.js";
import * as outbox from "./outbox.js";
import { lang, setPreference, t } from "./i18n.js";
import { admit } from "./owner.js";
import { loadAttachment } from "/static/ff/attachments.js";

const API = document.body.dataset.api || "/api/v1";
const SCOPE = document.body.dataset.scope || "/m/";
export const FORMS_CACHE = "ff-forms-v1";
const FORM_PATH = /\/forms\/([0-9a-f]{64})(?:\/([a-z]{2}))?$/;

/** The URL of a blank form in a language (the app's by default): each language is cached
 *  under its own URL, so that a language switch shows the forms in the new one. */
export const formUrl = (hash, l = lang) => `${SCOPE}forms/${hash}/${l}`;
export const events = new EventTarget();
// last: when the last sync pulled, a label; held: another technician's changes wait here (owner.js)
export const state = { online: navigator.onLine, syncing: false, auth: true, error: null, last: null, pending: 0, held: null };
const BATCH = 50;
const RETRY_FIRST = 500;
const RETRY_CAP = 4_000; // the server unreachable or failing
const BUSY_CAP = 60_000; // the server up, asking to send some operations again later
let csrf = null;
let timer = null;
let again = false;
let failures = 0; // rounds failed in a row
let busy = 0; // rounds in a row that left operations to retry

function emit(name, detail) {
  events.dispatchEvent(new CustomEvent(name, { detail }));
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json", "Accept-Language": lang, ...(options.headers || {}) };
  if (options.method && options.method !== "GET" && options.method !== "HEAD" && csrf) headers["X-CSRFToken"] = csrf;
  const response = await fetch(API + path, { credentials: "same-origin", cache: "no-store", ...options, headers });
  if (response.status === 401) {
    state.auth = false;
    throw Object.assign(new Error("login"), { auth: true });
  }
  return response;
}

export async function countPending() {
  const [ops, ups] = await Promise.all([store.all("outbox"), store.all("uploads")]);
  state.pending = ops.length + ups.filter((u) => u.state === "queued").length;
  return state.pending;
}

/** After a change of the device's: the count shown, and a sync a moment later. */
async function changed(result) {
  await countPending();
  emit("status", state);
  soon();
  return result;
}

/** A change of the intervention: `change(iv)` sets its local status or timer (outbox.js). */
export const queueAction = async (uuid, op, change) => changed(await outbox.queueAction(uuid, op, change));
/** A form saved with the button: its draft and its operation (outbox.js). */
export const saveAnswers = async (answers) => changed(await outbox.saveAnswers(answers));
export const queueUpload = async (id, iv) => changed(await outbox.queueUpload(id, iv));
/** "Keep my version" and "Take the office's version" of a refused or conflicting form. */
export const keepMine = async (iv, formId) => changed(await outbox.keepMine(iv, formId));
export const takeOffice = async (iv, formId) => changed(await outbox.takeOffice(iv, formId));

export function soon(ms = 800) {
  clearTimeout(timer);
  timer = setTimeout(() => run().catch(() => {}), ms);
}

/** The wait before the `n`-th retry in a row (from 0): doubling from RETRY_FIRST up to
 *  `cap`, each drawn between its half and itself, so that phones cut off together do not
 *  come back in step. */
function backoff(n, cap) {
  const d = Math.min(cap, RETRY_FIRST * 2 ** n);
  return d / 2 + Math.random() * (d / 2);
}

async function sha256(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function uploads() {
  for (const up of await store.all("uploads")) {
    if (up.state !== "queued") continue;
    const blob = await loadAttachment(up.id);
    if (!blob) {
      await outbox.markUpload(up.id, { state: "failed", code: "lost" });
      continue;
    }
    const body = await blob.arrayBuffer();
    const response = await api(`/attachments/${up.id}?intervention=${encodeURIComponent(up.intervention)}`, {
      method: "PUT", body, headers: { "Content-Type": blob.type || "image/jpeg", "X-Content-SHA256": await sha256(body) },
    });
    if (response.ok) await outbox.markUpload(up.id, { state: "done" });
    else if (response.status >= 500 || response.status === 408 || response.status === 429) {
      if (!BUSY.includes(response.status)) {
        const failures = (up.failures || 0) + 1;
        await outbox.markUpload(up.id, failures >= GIVE_UP_AFTER ? { failures, state: "failed", code: "server_error", message: t("server_refused") } : { failures });
      }
      throw new Error(`upload ${response.status}`);
    }
    else {
      const info = await response.json().catch(() => ({}));
      await outbox.markUpload(up.id, { state: "failed", code: info.code || String(response.status), message: info.error });
    }
  }
}

// A push or an upload the server failed on, not because it is down or busy (a 500, or a 4xx
// of the whole push), counts against what was sent; one the server failed on GIVE_UP_AFTER
// times is kept as refused by the server, data and all (outbox.js), instead of blocking the
// outbox for good. Once a push failed, operations go one by one until then, so that only the
// culprit is given up.
const GIVE_UP_AFTER = 5;
const BUSY = [408, 425, 429, 502, 503, 504]; // try again later, nothing to count

/** The outbox in batches, oldest first; each batch is marked as sent when it is read (a
 *  save of its forms from then on makes a new operation). Returns how many operations the
 *  server asked to send again later. */
async function push() {
  let after = -Infinity;
  let retry = 0;
  const size = (await store.all("outbox")).some((o) => o.failures) ? 1 : BATCH;
  for (;;) {
    const batch = await outbox.takeBatch(after, size);
    if (!batch.length) return retry;
    after = batch[batch.length - 1].seq;
    const body = JSON.stringify({ ops: batch.map(({ seq, attempts, failures, ...op }) => op) });
    const response = await api("/sync/push", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    if (!response.ok) {
      if (!BUSY.includes(response.status)) {
        await outbox.serverFailed(batch, GIVE_UP_AFTER, (op) => ({ id: op.id, status: "refused", code: "server_error", error: t("server_refused") }));
      }
      throw new Error(`push ${response.status}`);
    }
    const { results } = await response.json();
    retry += await outbox.settle(batch, results);
  }
}

/** The blank forms of the interventions on the device, in the app's language: fetched
 *  once each (a form version never changes); those of no intervention any more go. */
async function cacheForms() {
  if (!("caches" in self)) return;
  const cache = await caches.open(FORMS_CACHE);
  const hashes = new Set();
  for (const iv of await store.all("interventions")) for (const f of iv.forms || []) hashes.add(f.content_hash);
  for (const hash of hashes) {
    const url = formUrl(hash);
    if (await cache.match(url)) continue;
    const response = await fetch(url, { credentials: "same-origin", headers: { "Accept-Language": lang } });
    if (response.ok) await cache.put(url, response);
  }
  for (const req of await cache.keys()) {
    const m = FORM_PATH.exec(new URL(req.url).pathname);
    if (!m || !hashes.has(m[1]) || !m[2]) await cache.delete(req); // gone, or an old language-less copy
  }
}

async function pull() {
  const cursor = await store.get("kv", "cursor");
  const response = await api(`/sync/pull${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
  if (!response.ok) throw new Error(`pull ${response.status}`);
  const body = await response.json();
  await outbox.applyPull(body);
  await cacheForms();
  return body;
}

/** One full round; a call while one runs asks for another right after. */
export async function run() {
  if (state.syncing) {
    again = true;
    return;
  }
  state.online = navigator.onLine;
  if (!state.online) {
    await countPending();
    emit("status", state);
    return;
  }
  state.syncing = true;
  state.error = null;
  emit("status", state);
  let retry = 0;
  try {
    const session = await api("/sync/session");
    if (!session.ok) throw new Error(`session ${session.status}`);
    const who = await session.json();
    csrf = who.csrf_token;
    const gate = await admit(who); // nothing of another technician's goes up under this login
    state.held = gate.ok ? null : gate;
    if (!gate.ok) throw Object.assign(new Error("held"), { held: true });
    if (setPreference(who.lang_preference)) {
      await store.del("kv", "cursor"); // a full pull: the labels and form titles in the new language
      emit("lang", who.lang_preference);
    }
    state.auth = true;
    await store.put("kv", who.user, "user");
    await uploads();
    retry = await push();
    state.last = (await pull()).server_time_label; // the server's clock, as the server writes it
    await store.put("kv", state.last, "last");
  } catch (e) {
    state.error = e.auth ? "login" : e.held ? "held" : String(e.message || e);
  } finally {
    state.syncing = false;
    await countPending();
    emit("status", state);
    emit("data", null);
  }
  if (again) {
    again = false;
    soon(100);
  } else {
    retryLater(retry);
  }
}

/** After a round: again after a back-off if it failed or left operations to retry, while
 *  the page is visible (hidden, the minute's timer and coming back visible do it; offline
 *  or logged out, the network coming back or a login). */
function retryLater(retry) {
  if (state.error === "login" || state.error === "held") return; // a person must sign in: trying again changes nothing
  failures = state.error ? failures + 1 : 0;
  busy = !state.error && retry ? busy + 1 : 0;
  if (!navigator.onLine || document.visibilityState === "hidden") return;
  if (failures) soon(backoff(failures - 1, RETRY_CAP));
  else if (busy) soon(backoff(busy - 1, BUSY_CAP));
}

/** At once, whatever the back-off said: the network or the technician is back. */
function runNow() {
  failures = 0;
  busy = 0;
  clearTimeout(timer);
  run().catch(() => {});
}

addEventListener("online", () => { state.online = true; runNow(); });
addEventListener("offline", () => { state.online = false; emit("status", state); });
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible" && navigator.onLine) runNow(); });
setInterval(() => { if (navigator.onLine) run(); }, 60_000);
