// Sync with the server: upload photos and signatures, push the outbox, pull the day.
// Runs when the app opens, when the network comes back, a moment after each change and
// every minute. An operation leaves the outbox only when the server says it was applied
// (or was already: a replay), or refused with a reason, which is kept and shown.

import * as store from "./store.js";
import { lang, setPreference } from "./i18n.js";
import { loadAttachment } from "/static/ff/attachments.js";

const API = document.body.dataset.api || "/api/v1";
const SCOPE = document.body.dataset.scope || "/m/";
export const FORMS_CACHE = "ff-forms-v1";
const FORM_PATH = /\/forms\/([0-9a-f]{64})(?:\/([a-z]{2}))?$/;

/** The URL of a blank form in a language (the app's by default): each language is cached
 *  under its own URL, so that a language switch shows the forms in the new one. */
export const formUrl = (hash, l = lang) => `${SCOPE}forms/${hash}/${l}`;
export const events = new EventTarget();
export const state = { online: navigator.onLine, syncing: false, auth: true, error: null, last: null, pending: 0 }; // last: when the last sync pulled, a label
let csrf = null;
let timer = null;
let again = false;

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

/** Queue an operation made on this device (its id and sequence are made here). */
export async function queue(op) {
  const full = { id: crypto.randomUUID(), at: new Date().toISOString(), ...op, seq: store.nextSeq(), attempts: 0 };
  await store.put("outbox", full);
  await countPending();
  emit("status", state);
  soon();
  return full;
}

/** Answers of one form: the queued operation not sent yet takes the new answers (same id);
 *  once sent (the answer may be lost on the way) a new operation follows it. */
export async function queueAnswers(iv, formId, formHash, data, baseVersion) {
  const ops = await store.all("outbox");
  const waiting = ops.find((o) => o.type === "answers" && o.intervention === iv && o.form_id === formId && !o.attempts);
  if (waiting) {
    Object.assign(waiting, { data, form_hash: formHash, at: new Date().toISOString() });
    await store.put("outbox", waiting);
    soon();
    return waiting;
  }
  return queue({ type: "answers", intervention: iv, form_id: formId, form_hash: formHash, data, base_version: baseVersion });
}

export async function queueUpload(id, iv) {
  await store.put("uploads", { id, intervention: iv, state: "queued", created: new Date().toISOString() });
  await countPending();
  emit("status", state);
  soon();
}

export function soon(ms = 800) {
  clearTimeout(timer);
  timer = setTimeout(() => run().catch(() => {}), ms);
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
      await store.put("uploads", { ...up, state: "failed", code: "lost" });
      continue;
    }
    const body = await blob.arrayBuffer();
    const response = await api(`/attachments/${up.id}?intervention=${encodeURIComponent(up.intervention)}`, {
      method: "PUT", body, headers: { "Content-Type": blob.type || "image/jpeg", "X-Content-SHA256": await sha256(body) },
    });
    if (response.ok) await store.put("uploads", { ...up, state: "done" });
    else if (response.status >= 500 || response.status === 408 || response.status === 429) throw new Error(`upload ${response.status}`);
    else {
      const info = await response.json().catch(() => ({}));
      await store.put("uploads", { ...up, state: "failed", code: info.code || String(response.status), message: info.error });
    }
  }
}

async function push() {
  const ops = (await store.all("outbox")).sort((a, b) => a.seq - b.seq);
  for (let i = 0; i < ops.length; i += 50) {
    const batch = ops.slice(i, i + 50);
    for (const op of batch) {
      op.attempts += 1;
      await store.put("outbox", op);
    }
    const body = JSON.stringify({ ops: batch.map(({ seq, attempts, ...op }) => op) });
    const response = await api("/sync/push", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    if (!response.ok) throw new Error(`push ${response.status}`);
    const { results } = await response.json();
    for (const r of results) {
      const op = batch.find((o) => o.id === r.id);
      if (!op) continue;
      const status = r.status === "duplicate" ? r.original : r.status;
      if (status === "applied") {
        await store.del("outbox", op.id);
        await clearRejected(op);
      } else if (status === "refused" || status === "conflict") {
        await store.del("outbox", op.id);
        await store.put("rejected", { id: op.id, op, result: { ...r, status }, intervention: op.intervention, at: new Date().toISOString() });
      }
      // "retry": stays in the outbox, sent again next time
    }
  }
}

const FORM_OPS = ["answers", "discard"]; // not status changes
const answersOf = (r, iv, formId) => r.intervention === iv && r.op.type === "answers" && r.op.form_id === formId;

/** "Keep my version" of a form the server refused or found in conflict: the device's
 *  answers go again, as a new operation based on the server's current version. */
export async function keepMine(iv, formId) {
  const mine = (await store.all("rejected")).filter((r) => answersOf(r, iv.uuid, formId)).sort((a, b) => (a.op.seq || 0) - (b.op.seq || 0));
  const last = mine[mine.length - 1];
  const key = store.draftKey(iv.uuid, formId);
  const draft = await store.get("drafts", key);
  const sub = iv.submissions[formId];
  const base = Math.max(sub ? sub.version : 0, (last && last.result.server_version) || 0, (draft && draft.server_version) || 0);
  const data = draft ? draft.data : last && last.op.data;
  if (!data) return null;
  const formHash = (draft && draft.form_hash) || (last && last.op.form_hash);
  for (const o of await store.all("outbox")) {
    if (o.type === "answers" && o.intervention === iv.uuid && o.form_id === formId && !o.attempts) await store.del("outbox", o.id); // folded into this one
  }
  for (const r of mine) await store.del("rejected", r.id);
  await store.put("drafts", { ...(draft || {}), key, intervention: iv.uuid, form_id: formId, form_hash: formHash, data, base_version: base, server_version: base, dirty: false, saved: true });
  return queue({ type: "answers", intervention: iv.uuid, form_id: formId, form_hash: formHash, data, base_version: base });
}

/** "Take the office's version": the device's answers of that form are dropped for the
 *  server's (or none, when the server has none), and the server is told (a "discard"
 *  operation), so that the back office sees the refusal or conflict resolved. */
export async function takeOffice(iv, formId) {
  const dropped = (await store.all("rejected")).filter((r) => answersOf(r, iv.uuid, formId));
  for (const r of dropped) await store.del("rejected", r.id);
  for (const o of await store.all("outbox")) {
    if (o.type === "answers" && o.intervention === iv.uuid && o.form_id === formId && !o.attempts) await store.del("outbox", o.id);
  }
  const key = store.draftKey(iv.uuid, formId);
  const sub = iv.submissions[formId];
  if (sub) await store.put("drafts", { key, intervention: iv.uuid, form_id: formId, data: sub.data, form_hash: sub.form_hash, base_version: sub.version, server_version: sub.version, saved: true, dirty: false });
  else await store.del("drafts", key);
  await queue({ type: "discard", intervention: iv.uuid, form_id: formId, base_version: sub ? sub.version : 0 });
}

async function clearRejected(op) {
  for (const r of await store.all("rejected")) {
    if (r.intervention !== op.intervention) continue;
    let same;
    if (op.type === "discard") same = r.op.type === "answers" && r.op.form_id === op.form_id && (r.op.seq || 0) < op.seq; // resolved by it
    else if (op.type === "answers") same = r.op.type === "answers" && r.op.form_id === op.form_id;
    else same = r.op.type !== "answers";
    if (same) await store.del("rejected", r.id);
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
  const ops = await store.all("outbox");
  const rejected = await store.all("rejected");
  for (const iv of body.interventions) {
    const old = await store.get("interventions", iv.uuid);
    const mine = ops.filter((o) => o.intervention === iv.uuid);
    const local = { ...((old && old.local) || {}) };
    const segments = iv.time && iv.time.segments;
    if (!mine.some((o) => !FORM_OPS.includes(o.type))) {
      // nothing of the device's is on its way: the server's status, timer and rights are
      // the truth again (a start the server refused leaves no timer running on the phone)
      delete local.status;
      delete local.after;
      if (segments) local.timer = segments;
    } else if (!local.timer && segments && segments.length) local.timer = segments; // a new phone
    await store.put("interventions", { ...iv, local });
    for (const [formId, sub] of Object.entries(iv.submissions)) {
      const key = store.draftKey(iv.uuid, formId);
      const draft = await store.get("drafts", key);
      const busy = mine.some((o) => o.type === "answers" && o.form_id === formId) || rejected.some((r) => r.intervention === iv.uuid && r.op.form_id === formId);
      if (draft && (draft.dirty || busy)) { // the technician's version stays; the server's version is known
        if (draft.server_version !== sub.version) await store.put("drafts", { ...draft, server_version: sub.version });
        continue;
      }
      await store.put("drafts", { key, intervention: iv.uuid, form_id: formId, data: sub.data, form_hash: sub.form_hash, base_version: sub.version, server_version: sub.version, saved: true, dirty: false });
    }
  }
  const keep = new Set(body.ids);
  for (const iv of await store.all("interventions")) {
    if (!keep.has(iv.uuid) && !ops.some((o) => o.intervention === iv.uuid) && !rejected.some((r) => r.intervention === iv.uuid)) await store.del("interventions", iv.uuid);
  }
  await store.put("kv", body.config, "config");
  await store.put("kv", body.user, "user");
  const known = (await store.get("kv", "forms")) || {};
  await store.put("kv", { ...known, ...body.forms }, "forms");
  await store.put("kv", body.cursor, "cursor");
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
  try {
    const session = await api("/sync/session");
    if (!session.ok) throw new Error(`session ${session.status}`);
    const who = await session.json();
    csrf = who.csrf_token;
    if (setPreference(who.lang_preference)) {
      await store.del("kv", "cursor"); // a full pull: the labels and form titles in the new language
      emit("lang", who.lang_preference);
    }
    state.auth = true;
    await store.put("kv", who.user, "user");
    await uploads();
    await push();
    state.last = (await pull()).server_time_label; // the server's clock, as the server writes it
    await store.put("kv", state.last, "last");
  } catch (e) {
    state.error = e.auth ? "login" : String(e.message || e);
  } finally {
    state.syncing = false;
    await countPending();
    emit("status", state);
    emit("data", null);
  }
  if (again) {
    again = false;
    soon(100);
  }
}

addEventListener("online", () => { state.online = true; run(); });
addEventListener("offline", () => { state.online = false; emit("status", state); });
setInterval(() => { if (navigator.onLine) run(); }, 60_000);
