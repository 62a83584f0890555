// The technician's app: boot, screens (day list, intervention, form), actions and timer.
// Data lives in IndexedDB (store.js), every change of it is made by outbox.js and goes up
// through the sync (sync.js); nothing here waits for the network.

import * as store from "./store.js";
import * as outbox from "./outbox.js";
import * as sync from "./sync.js";
import { signOut } from "./owner.js";
import { fillForm } from "./fill.js";
import { decodeForm, initForm, markPrefilled, prefilledPointers } from "/static/ff/form.js";
import { opening } from "./opening.js";
import * as V from "./views.js";
import { lang, t } from "./i18n.js";

const body = document.body;
const main = document.getElementById("main");
const net = document.getElementById("net");
let current = null; // the form on screen: {iv, f, form, key}
let draftTimer = null;

const cfgOf = async () => (await store.get("kv", "config")) || { event_types: {}, statuses: [] };
const ET_DEFAULT = { title: "", color: "#607d8b", forms: [], actions: ["navigate", "call"], time_tracking: "none", travel_time: false };

function timerOf(iv) {
  const segs = (iv.local && iv.local.timer) || [];
  const running = segs.length > 0 && !segs[segs.length - 1][1];
  const ms = segs.reduce((t, [a, b]) => t + ((b ? Date.parse(b) : Date.now()) - Date.parse(a)), 0);
  return { segs, running, ms };
}

/** What the server decided this user may do (the sync pull's `rights`), or, after an
 *  action taken here that the server has not answered yet, what it said would hold once
 *  that action is applied (`after[action]`): the phone derives no right itself. Unknown
 *  (an intervention pulled before the server sent rights): nothing is allowed. */
function rightsOf(iv) {
  const pending = iv.local && iv.local.after;
  const after = pending && iv.after && iv.after[pending];
  return (after ? after.rights : iv.rights) || {};
}

const allowed = (rights, key) => !!(rights[key] && rights[key].allowed);

/** Why the forms are read-only, in the server's words (null: they may be filled). */
function readonlyReason(rights) {
  const d = rights.edit_answers;
  if (d && d.allowed) return null;
  return (d && d.message) || t("ro_unknown");
}

/** The buttons: those the event type shows (T4) that the server allows now, and the
 *  links to the client. */
function actionsOf(iv, et, rights) {
  const c = iv.client;
  const list = [];
  for (const key of ["start", "pause", "resume", "finish", "back_to_confirmed", "send_report"]) {
    const configured = key === "resume" ? et.actions.includes("pause") : et.actions.includes(key);
    if (configured && allowed(rights, key)) list.push({ key, href: null });
  }
  if (et.actions.includes("navigate") && V.address(c)) list.push({ key: "navigate", href: V.mapsUrl(c) });
  if (et.actions.includes("call") && c.phone) list.push({ key: "call", href: `tel:${c.phone.replace(/[^0-9+]/g, "")}` });
  return list;
}

const OP_TYPES = ["answers", "start", "pause", "resume", "finish", "back_to_confirmed", "send_report", "time", "transition"];
const opTitle = (type) => t(OP_TYPES.includes(type) ? `t_${type}` : "t_other");

/** The refusals to show: the last one of each form's answers, every other one. */
function latestProblems(rejected) {
  const byForm = new Map();
  const out = [];
  for (const r of [...rejected].sort((a, b) => (a.op.seq || 0) - (b.op.seq || 0))) {
    if (r.op.type === "answers") byForm.set(r.op.form_id, r);
    else out.push(r);
  }
  return [...byForm.values(), ...out];
}

async function context(iv) {
  const cfg = await cfgOf();
  const et = { ...ET_DEFAULT, ...(cfg.event_types[iv.event_type] || {}) };
  const st = V.statusOf(iv, cfg);
  const ops = (await store.all("outbox")).filter((o) => o.intervention === iv.uuid);
  const rejected = (await store.all("rejected")).filter((r) => r.intervention === iv.uuid);
  const forms = [];
  for (const f of iv.forms) {
    const d = await store.get("drafts", store.draftKey(iv.uuid, f.form_id));
    const bad = rejected.find((r) => r.op.form_id === f.form_id);
    const queued = ops.some((o) => o.type === "answers" && o.form_id === f.form_id);
    let mark = "todo", markLabel = t("m_todo");
    if (bad) [mark, markLabel] = ["error", t(bad.result.status === "conflict" ? "m_conflict" : "m_refused")];
    else if (d && d.dirty) [mark, markLabel] = ["draft", t("m_draft")];
    else if (queued) [mark, markLabel] = ["done", t("m_queued")];
    else if ((d && d.saved) || iv.submissions[f.form_id]) [mark, markLabel] = ["done", t("m_saved")];
    forms.push({ ...f, mark, markLabel });
  }
  const problems = latestProblems(rejected).map((r) => {
    const f = r.op.type === "answers" ? iv.forms.find((x) => x.form_id === r.op.form_id) : null;
    // a form's answers in conflict can be kept or dropped; a change of status or time the
    // office overtook is, for the technician, a refused change
    const conflict = r.result.status === "conflict" && !!f;
    const sub = iv.submissions[r.op.form_id];
    const office = conflict ? t("conflict_office", { v: Math.max(sub ? sub.version : 0, r.result.server_version || 0) }) : null;
    const title = t("titled", { t: `${conflict ? t("t_conflict") : opTitle(r.op.type)}${f ? ` (${f.title})` : ""}` });
    // the server's reason is `error` (the API's one error shape); `message` in results kept
    // on this device before that
    const reason = r.result.error || r.result.message || r.result.code;
    return { id: r.id, title, message: reason, errors: r.result.errors, form_id: f ? f.form_id : null, conflict, office };
  });
  const timer = et.time_tracking === "automatic" && (timerOf(iv).segs.length || st.state === "in_progress") ? timerOf(iv) : null;
  const rights = rightsOf(iv);
  return { cfg, et, st, forms, problems, timer: timer, actions: actionsOf(iv, et, rights), readonlyReason: readonlyReason(rights), ops };
}

// --- screens -------------------------------------------------------------------------
/** Screens are drawn after reading the store, and a newer one may have started meanwhile
 *  (the hash changed, the sync or a language switch asked again): each drawing is
 *  numbered, and one that is no longer the latest draws nothing. */
let drawing = 0;
const outdated = (n) => n !== drawing;

async function showList(n) {
  const ivs = await store.all("interventions");
  const marks = {};
  for (const o of await store.all("outbox")) marks[o.intervention] = (marks[o.intervention] || 0) + 1;
  const cfg = await cfgOf();
  if (outdated(n)) return;
  main.innerHTML = `<h1 class="sr">${V.esc(t("my_interventions"))}</h1>${V.dayList(ivs, cfg, marks)}`;
}

async function showIntervention(n, uuid) {
  const iv = await store.get("interventions", uuid);
  const ctx = iv && (await context(iv));
  if (outdated(n)) return;
  if (!iv) return notFound();
  main.innerHTML = V.interventionView(iv, ctx);
}

/** Another technician signed in while the previous one's changes wait on this phone
 *  (owner.js): none of them is shown or sent; signing out lets their owner sign in. */
function showHeld() {
  const { holder, unsent } = sync.state.held;
  main.innerHTML = `<section class="held"><h1>${V.esc(t("held_title", { name: holder.display_name }))}</h1>
<p>${V.esc(t("held_text", { n: unsent, name: holder.display_name }))}</p>
<button class="btn primary wide" data-action="sign-out">${V.esc(t("sign_out"))}</button></section>`;
}

function notFound() {
  main.innerHTML = `<a class="back" href="#/">${V.esc(t("back_list"))}</a><p class="empty">${V.esc(t("gone"))}</p>`;
}

async function showForm(n, uuid, formId) {
  const t0 = performance.now();
  const iv = await store.get("interventions", uuid);
  const f = iv && iv.forms.find((x) => x.form_id === formId);
  const ctx = f && (await context(iv));
  if (outdated(n)) return;
  if (!f) return notFound();
  main.innerHTML = V.formScreen(iv, f, ctx.readonlyReason);
  let html;
  try {
    html = await blankForm(f.content_hash);
  } catch (e) {
    if (!outdated(n)) document.getElementById("form-host").innerHTML = `<p class="alert">${V.esc(t("form_missing"))}</p>`;
    return;
  }
  const key = store.draftKey(uuid, formId);
  const draft = await store.get("drafts", key);
  if (outdated(n)) return;
  const host = document.getElementById("form-host");
  host.innerHTML = html;
  const form = host.querySelector("form[data-ff-form]");
  const sub = iv.submissions[formId];
  const open = opening(iv, f, draft);
  fillForm(form, open.data);
  await initForm(form);
  markPrefilled(form, open.prefilled, open.sources);
  if (outdated(n)) return;
  current = { iv, f, form, key, decodeForm, base: draft ? draft.base_version : sub ? sub.version : 0 };
  form.addEventListener("submit", (ev) => ev.preventDefault());
  form.addEventListener("input", () => saveDraftSoon());
  form.addEventListener("change", () => saveDraftSoon());
  form.addEventListener("ff:prefill", () => saveDraftSoon());
  form.addEventListener("ff:attachment", (ev) => sync.queueUpload(ev.detail.id, uuid));
  window.ffFormOpenMs = performance.now() - t0;
  form.setAttribute("data-ff-open-ms", window.ffFormOpenMs.toFixed(1));
}

/** A blank form in the app's language: the cache first (forms never change: one URL per
 *  content hash and language), else the network; offline with no copy in this language
 *  yet, a copy in another language rather than nothing. */
async function blankForm(hash) {
  const url = sync.formUrl(hash);
  const cache = "caches" in self ? await caches.open(sync.FORMS_CACHE) : null;
  let response = cache && (await cache.match(url));
  if (!response) {
    try {
      response = await fetch(url, { credentials: "same-origin", headers: { "Accept-Language": lang } });
      if (!response.ok) throw new Error(String(response.status));
      if (cache) await cache.put(url, response.clone());
    } catch (e) {
      const other = cache && (await cache.keys()).find((r) => new URL(r.url).pathname.startsWith(`${body.dataset.scope}forms/${hash}/`));
      if (!other) throw e;
      response = await cache.match(other);
    }
  }
  return response.text();
}

function saveDraftSoon() {
  if (current) current.changed = true;
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => saveDraft(), 250);
}

/** What the screen shows, kept as a draft. Its base is the version the screen was drawn
 *  from: a pull may have laid the office's newer answers in the draft meanwhile (nothing of
 *  the technician's was pending), and these answers were not made on those. */
async function saveDraft(screen = current) {
  clearTimeout(draftTimer);
  if (!screen) return null;
  const { iv, f, form, decodeForm, base } = screen;
  screen.changed = false;
  await outbox.saveDraft({ iv: iv.uuid, formId: f.form_id, formHash: f.content_hash, data: decodeForm(form), prefilled: prefilledPointers(form), base, dirty: true });
  document.getElementById("saved").textContent = t("draft_kept");
}

/** Photos being downscaled and signatures being stored: their ids reach the form's
 *  inputs once these settle. */
const attachmentsSettled = (form) => Promise.all([...form.querySelectorAll("[data-ff-camera], [data-ff-signature]")].map((x) => x._ffPending).filter(Boolean));

/** The open form again, in the language the app switched to: what was typed since the
 *  last save is kept as a draft, which the form in the new language is filled with. */
async function redrawForm() {
  await attachmentsSettled(current.form);
  if (current.changed) await saveDraft();
  return render();
}

/** Save with the button: the answers on screen, their draft and their operation in one
 *  go (outbox.saveAnswers), whatever the sync is doing meanwhile. */
async function saveForm() {
  const screen = current;
  if (!screen) return; // tapped twice: saved already
  const { form, iv, f } = screen;
  clearTimeout(draftTimer);
  await attachmentsSettled(form);
  if (!form.checkValidity()) {
    form.reportValidity();
    await saveDraft(screen);
    document.getElementById("saved").textContent = t("draft_required");
    return;
  }
  if (current === screen) current = null; // typing from now on is no longer a draft of it
  await sync.saveAnswers({ iv: iv.uuid, formId: f.form_id, formHash: f.content_hash, data: screen.decodeForm(form), prefilled: prefilledPointers(form), base: screen.base });
  location.hash = `#/i/${iv.uuid}`;
}

// --- actions -------------------------------------------------------------------------
function ask(html) {
  const dlg = document.createElement("dialog");
  dlg.className = "dialog";
  dlg.innerHTML = html;
  document.body.appendChild(dlg);
  dlg.showModal();
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => {
      const data = new FormData(dlg.querySelector("form"));
      dlg.remove();
      resolve(dlg.returnValue === "ok" ? data : null);
    });
  });
}

const minutes = (data, name) => (data.has(`${name}_h`) ? parseInt(data.get(`${name}_h`), 10) * 60 + parseInt(data.get(`${name}_m`), 10) : null);

async function act(key, btn) {
  if (key === "save-form") return saveForm();
  if (key === "sign-out") {
    await signOut(body.dataset.logout);
    location.href = body.dataset.login;
    return;
  }
  const uuid = location.hash.split("/")[2];
  const iv = await store.get("interventions", uuid);
  if (!iv) return;
  if (key === "dismiss") { // a refused change of status or time: the server's state is shown already
    await outbox.dismiss(btn.dataset.id);
    return render();
  }
  if (key === "keep-mine" || key === "take-office") {
    if (key === "take-office" && !(await ask(V.confirmDialog(t("take_office_q"), t("take_office_p"), t("take_office"))))) return;
    await (key === "keep-mine" ? sync.keepMine : sync.takeOffice)(iv, btn.dataset.form);
    return render();
  }
  const { et } = await context(iv);
  const now = new Date().toISOString();
  const op = { type: key, intervention: uuid, base_version: iv.version, at: now }; // the version on screen
  const stop = (timer) => { if (timer.length && !timer[timer.length - 1][1]) timer[timer.length - 1][1] = now; };
  let timer = () => {}; // what the action does at once to the timer on the device
  if (key === "start") {
    if (et.time_tracking === "automatic") timer = (local) => { local.timer = [...(local.timer || []), [now, null]]; };
  } else if (key === "pause") {
    timer = (local) => stop(local.timer || []);
  } else if (key === "resume") {
    timer = (local) => { local.timer = [...(local.timer || []), [now, null]]; };
  } else if (key === "finish") {
    if (!(await ask(V.confirmDialog(t("finish_q"), t("finish_p"), t("finish"))))) return;
    const travel = et.travel_time && et.time_tracking === "manual";
    if (et.time_tracking === "manual") {
      const data = await ask(V.timeDialog("manual", iv.duration_minutes, travel));
      if (!data) return;
      op.duration_minutes = minutes(data, "duration");
      if (travel) op.travel_minutes = minutes(data, "travel");
    }
    timer = (local) => stop(local.timer || []);
  } else if (key !== "back_to_confirmed" && key !== "send_report") {
    return;
  }
  // on the intervention as stored when the operation is queued (a pull may have laid a newer
  // status, timer and rights since this screen read them)
  await sync.queueAction(uuid, op, (stored) => {
    timer(stored.local);
    const effect = stored.after && stored.after[key];
    if (effect) { // the server's own answer to "what holds once this is applied"
      stored.local.status = effect.status;
      stored.local.after = key;
    }
  });
  if (key === "send_report") net.textContent = t("report_asked");
  render();
}

main.addEventListener("click", (ev) => {
  const btn = ev.target.closest("button[data-action]");
  if (!btn) return;
  ev.preventDefault();
  act(btn.dataset.action, btn);
});

// --- status banner, router, timer ------------------------------------------------------
function banner() {
  const s = sync.state;
  const n = s.pending;
  const waiting = n ? t("pending", { n }) : "";
  let cls = "ok", text;
  if (!s.online) [cls, text] = ["off", waiting ? t("offline", { w: waiting }) : t("offline_all")];
  else if (s.error === "login") [cls, text] = ["off", t("expired")];
  else if (s.error === "held") [cls, text] = ["off", t("held_banner", { name: s.held.holder.display_name })];
  else if (s.syncing) [cls, text] = ["wait", waiting ? t("syncing_n", { w: waiting }) : t("syncing")];
  else if (n) [cls, text] = ["wait", t("pending_send", { n })];
  else if (s.error) [cls, text] = ["wait", t("unreachable")];
  else [cls, text] = ["ok", s.last ? t("synced_at", { h: s.last }) : t("synced")];
  net.className = `net ${cls}`;
  net.innerHTML = s.error === "login" && s.online ? `${V.esc(text)} <a href="${V.esc(body.dataset.login)}">${V.esc(t("login"))}</a>` : V.esc(text);
  net.dataset.pending = String(n);
  net.dataset.state = cls;
}

/** Drawings still running, outdated ones included, in ``body.dataset.drawing``: "0" once
 *  the screen is settled (what a test waits for instead of a guess of how long it takes). */
let running = 0;

async function render() {
  const n = ++drawing;
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  if (parts[0] !== "i" || parts[2] !== "f") current = null;
  document.body.dataset.drawing = String(++running);
  try {
    if (sync.state.error === "held") return showHeld();
    if (parts[0] === "i" && parts[2] === "f") return await showForm(n, parts[1], parts[3]);
    if (parts[0] === "i") return await showIntervention(n, parts[1]);
    return await showList(n);
  } finally {
    document.body.dataset.drawing = String(--running);
  }
}

setInterval(async () => {
  const el = document.getElementById("timer-value");
  if (!el || document.getElementById("timer").dataset.running !== "1") return;
  const iv = await store.get("interventions", location.hash.split("/")[2]);
  if (iv) el.textContent = V.clock(timerOf(iv).ms);
}, 1000);

// The worker may activate while the login page navigates here: its clients.claim() then
// ran before this page existed, and the page would stay uncontrolled until the next load.
// An uncontrolled page asks the active worker to claim it. A failed install (the network
// dropped mid-way) is tried again at the next sync rather than never.
async function registerWorker() {
  try {
    const reg = await navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller && reg.active) reg.active.postMessage("claim");
  } catch (err) {
    sync.events.addEventListener("status", () => registerWorker(), { once: true });
  }
}

// The home link reads "fieldforms" and says where it goes to a screen reader after that
// text: an accessible name that starts with what is seen (WCAG 2.5.3), not one that replaces it.
function homeHint() {
  document.getElementById("home-hint").textContent = ` — ${t("my_interventions")}`;
}

/** Whether the browser keeps the app's storage when space runs short (null: it cannot
 *  say). Refused, changes not sent yet could be cleared with it: the technician is told,
 *  discreetly, under the network line. */
let persisted = null;

function storageNote() {
  let note = document.getElementById("storage-note");
  if (persisted !== false) return note && note.remove();
  if (!note) {
    note = Object.assign(document.createElement("p"), { id: "storage-note", className: "storage-note" });
    main.before(note);
  }
  note.textContent = t("storage_refused");
}

async function keepStorage() {
  persisted = await store.persist();
  storageNote();
}

/** The server ended this session (logout elsewhere, a password reset): the login screen,
 *  once what is being typed is kept as a draft. Everything unsent stays on the device and
 *  goes when the same technician signs in again (owner.js). */
let leaving = false;
async function toLogin(ended = true) {
  if (leaving) return;
  leaving = true;
  if (current && current.changed) await saveDraft();
  location.href = ended ? `${body.dataset.login}?ended=1` : body.dataset.login;
}

function onStatus() {
  banner();
  if (sync.state.error === "login" && sync.state.online && body.dataset.ready === "1") toLogin();
  else if (sync.state.error === "held" && !current) render();
}

async function boot() {
  homeHint();
  main.innerHTML = `<p class="empty">${V.esc(t("loading"))}</p>`;
  if ("serviceWorker" in navigator) registerWorker();
  keepStorage();
  const user = await store.get("kv", "user");
  if (user) document.getElementById("who").textContent = user.display_name;
  sync.events.addEventListener("status", onStatus);
  sync.events.addEventListener("lang", () => {
    homeHint();
    banner();
    storageNote();
    if (current) redrawForm();
    else render();
  });
  sync.events.addEventListener("data", async () => {
    const u = await store.get("kv", "user");
    if (u) document.getElementById("who").textContent = u.display_name;
    if (!current) render();
  });
  addEventListener("hashchange", () => { if (current && current.changed) saveDraft(); render(); });
  await sync.countPending();
  banner();
  if (user) await render();
  await sync.run();
  if (sync.state.error === "login") {
    if (navigator.onLine) return toLogin(!!user);
    if (!user) {
      main.innerHTML = `<p class="empty">${V.esc(t("first_login"))}</p>`;
      return;
    }
  }
  if (!user) await render();
  body.dataset.ready = "1";
}

boot();
