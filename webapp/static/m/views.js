// HTML of the screens, from plain data. Every text from the server goes through esc();
// every text of the app comes from i18n.js.

import { t } from "./i18n.js";

export const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Dates, hours and durations on these screens are labels the server wrote (engine/display.py,
// sent by the pull: day_label, date_label, time_label, duration_label...): the phone inserts
// them and formats none itself. Its only clock work: which day is the company's today (in
// the company's zone, which the pull sends too), and the running timer's stopwatch.

/** The company's day (YYYY-MM-DD) `offset` days from now, in the zone `tz`. */
export function companyDay(tz, offset = 0) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: tz || undefined, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date()).map((p) => [p.type, p.value]));
  return new Date(Date.UTC(+parts.year, +parts.month - 1, +parts.day + offset)).toISOString().slice(0, 10);
}

/** The running timer (a stopwatch ticking on the phone, not a value from the server). */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n) => String(n).padStart(2, "0");
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}

function dayTitle(key, label, tz) {
  const text = label ? label[0].toUpperCase() + label.slice(1) : key;
  return key === companyDay(tz) ? t("today", { d: label }) : key === companyDay(tz, 1) ? t("tomorrow", { d: label }) : text;
}

/** "09:00 – 10:30 · durée 1 h 30", from the server's labels. */
const hoursAndDuration = (iv) => `${esc(iv.time_label)} · ${esc(t("duration", { d: iv.duration_label }))}`;

export function address(c) {
  return [c.address, [c.postcode, c.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
}

export function mapsUrl(c) {
  if (c.lat != null && c.lon != null) return `geo:${c.lat},${c.lon}?q=${c.lat},${c.lon}(${encodeURIComponent(c.name)})`;
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address(c))}`;
}

const telUrl = (p) => `tel:${String(p).replace(/[^0-9+]/g, "")}`;

function contact(c) {
  const links = [];
  if (address(c)) links.push(`<a class="chip" href="${esc(mapsUrl(c))}" data-link="map">➤ ${esc(address(c))}</a>`);
  if (c.phone) links.push(`<a class="chip" href="${esc(telUrl(c.phone))}">☎ ${esc(c.phone)}</a>`);
  if (c.email) links.push(`<a class="chip" href="mailto:${esc(c.email)}">✉ ${esc(c.email)}</a>`);
  return `<div class="contact">${links.join("")}</div>`;
}

export function statusOf(iv, cfg) {
  const key = (iv.local && iv.local.status) || iv.status;
  const st = (cfg.statuses || []).find((s) => s.key === key);
  return st || { key, label: iv.status_label, color: iv.status_color, state: iv.state };
}

function pill(st, closed) {
  return `<span class="pill" style="--c:${esc(st.color)}">${esc(st.label)}</span>${closed ? `<span class="pill closed">${esc(t("closed"))}</span>` : ""}`;
}

export function dayList(ivs, cfg, marks) {
  if (!ivs.length) return `<p class="empty">${esc(t("no_interventions"))}</p>`;
  const groups = new Map();
  for (const iv of [...ivs].sort((a, b) => a.start_at.localeCompare(b.start_at))) {
    const k = iv.day;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(iv);
  }
  // today and the coming days first: that is the technician's day; earlier days after,
  // folded, and unfolded by themselves while something there is unfinished or unsent
  const today = companyDay(cfg.tz);
  const day = ([k, list]) => `<h2 class="day">${esc(dayTitle(k, list[0].day_label, cfg.tz))}</h2><ul class="cards">${list.map((iv) => card(iv, cfg, marks)).join("")}</ul>`;
  const coming = [...groups].filter(([k]) => k >= today);
  const earlier = [...groups].filter(([k]) => k < today).reverse();
  let html = coming.length ? coming.map(day).join("") : `<p class="empty">${esc(t("no_interventions"))}</p>`;
  if (earlier.length) {
    const open = earlier.some(([, list]) => list.some((iv) => marks[iv.uuid] || !["done", "cancelled"].includes(statusOf(iv, cfg).state)));
    html += `<details class="earlier"${open ? " open" : ""}><summary>${esc(t("earlier_days"))}</summary>${earlier.map(day).join("")}</details>`;
  }
  return html;
}

function card(iv, cfg, marks) {
  const et = cfg.event_types[iv.event_type] || { title: iv.event_type, color: "#607d8b" };
  const st = statusOf(iv, cfg);
  const mark = marks[iv.uuid] ? `<span class="pill wait" title="${esc(t("pending_title"))}">⟳ ${marks[iv.uuid]}</span>` : "";
  return `<li class="card" style="--c:${esc(st.color)}" data-iv="${esc(iv.uuid)}">
<a class="card-main" href="#/i/${esc(iv.uuid)}"><span class="when">${hoursAndDuration(iv)}</span>
<strong class="client">${esc(iv.client.name)}</strong><span class="type" style="--t:${esc(et.color)}">${esc(et.title)}</span>
<span class="status">${pill(st, iv.closed)}${mark}</span></a>${contact(iv.client)}</li>`;
}

function history(iv) {
  const row = (h) => `<li><span>${esc(h.date_label)}</span> ${esc(h.type)} <span class="pill" style="--c:${esc(h.color)}">${esc(h.status)}</span></li>`;
  if (!iv.history.length && !iv.upcoming.length) return "";
  return `<details class="block"><summary>${esc(t("history_title"))}</summary>
${iv.history.length ? `<h3>${esc(t("history"))}</h3><ul class="hist">${iv.history.map(row).join("")}</ul>` : ""}
${iv.upcoming.length ? `<h3>${esc(t("upcoming"))}</h3><ul class="hist">${iv.upcoming.map(row).join("")}</ul>` : ""}</details>`;
}

/** The equipment the intervention targets (every text read by the server). */
function equipment(iv) {
  const e = iv.equipment;
  if (!e) return "";
  const line = (label, value) => (value ? `<li><span>${esc(label)}</span> <strong>${esc(value)}</strong></li>` : "");
  const make = [e.brand, e.model].filter(Boolean).join(" ");
  return `<section class="block equipment"><h2>${esc(t("equipment"))}</h2><p><strong>${esc(e.kind_label)}</strong>${make ? ` — ${esc(make)}` : ""}</p>
<ul class="facts">${line(t("eq_serial"), e.serial_number)}${line(t("eq_fuel"), e.fuel_label)}${line(t("eq_installed"), e.installed_on_label)}\
${line(t(e.under_warranty ? "eq_warranty_valid" : "eq_warranty"), e.warranty_until_label)}${line(t("eq_next"), e.next_maintenance_label)}\
${e.details.map((d) => line(d.label, d.value)).join("")}</ul>${e.notes ? `<p>${esc(e.notes)}</p>` : ""}</section>`;
}

const action = (key) => esc(t(`a_${key}`));

/** A refused or conflicting change: the server's reason, and the way out. For a form's
 *  answers, which stay on the device: keep the device's version on the server's current
 *  one, or take the office's. For a change of status or time, which the server's state
 *  has replaced on the phone already: acknowledge it. */
function problem(p) {
  const choices = p.form_id ? `<div class="row choices">
${p.conflict ? `<button type="button" class="btn primary" data-action="keep-mine" data-form="${esc(p.form_id)}">${esc(t("keep_mine"))}</button>` : ""}
<button type="button" class="btn" data-action="take-office" data-form="${esc(p.form_id)}">${esc(t("take_office"))}</button></div>`
    : `<div class="row choices"><button type="button" class="btn" data-action="dismiss" data-id="${esc(p.id)}">${esc(t("dismiss"))}</button></div>`;
  return `<div class="alert${p.conflict ? " conflict" : ""}" role="alert"${p.form_id ? ` data-form="${esc(p.form_id)}"` : ""}><strong>${esc(p.title)}</strong> ${esc(p.message)}
${p.errors ? `<ul>${p.errors.map((e) => `<li>${esc(e.message)}</li>`).join("")}</ul>` : ""}${p.office ? `<p class="small">${esc(p.office)}</p>` : ""}
<small>${esc(t(p.form_id ? "data_kept" : "office_state_shown"))}</small>${choices}</div>`;
}

export function interventionView(iv, ctx) {
  const { cfg, et, st, forms, problems, actions, timer, readonlyReason } = ctx;
  const c = iv.client;
  const formItems = forms.map((f) => `<li><a class="form-link" href="#/i/${esc(iv.uuid)}/f/${esc(f.form_id)}">
<span class="mark ${f.mark}" aria-label="${esc(f.markLabel)}">${f.mark === "done" ? "✔" : f.mark === "draft" ? "✎" : f.mark === "error" ? "!" : "○"}</span>
<span>${esc(f.title)}<small>${esc(f.markLabel)}</small></span></a></li>`).join("");
  const button = (a) => a.href
    ? `<a class="btn action" href="${esc(a.href)}" data-action="${a.key}">${action(a.key)}</a>`
    : `<button type="button" class="btn action${a.key === "finish" || a.key === "start" ? " primary" : ""}" data-action="${a.key}">${action(a.key)}</button>`;
  const group = (list, cls) => (list.length ? `<div class="acts ${cls}">${list.map(button).join("")}</div>` : "");
  const buttons = group(actions.filter((a) => !a.href), "do") + group(actions.filter((a) => a.href), "go");
  return `<section class="banner" style="--c:${esc(st.color)}"><span>${esc(st.label)}</span>${iv.closed ? `<span>${esc(t("closed_by_office"))}</span>` : ""}</section>
<a class="back" href="#/">${esc(t("back_list"))}</a>
<h1 class="iv-title">${esc(et.title)}</h1>
<p class="meta">${esc(iv.date_label)} / ${hoursAndDuration(iv)}</p>
${iv.tags.length ? `<p class="tags">${iv.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</p>` : ""}
<p class="iv-sub">${esc(iv.title)}</p>
${timer ? `<p class="timer" id="timer" data-running="${timer.running ? 1 : 0}">${esc(t("timer"))} <span id="timer-value">${clock(timer.ms)}</span> ${esc(t(timer.running ? "running" : "paused"))}</p>` : ""}
${readonlyReason ? `<p class="note">${esc(readonlyReason)}</p>` : ""}
${problems.map(problem).join("")}
<section class="block"><h2>${esc(t("client"))}</h2><p><strong>${esc(c.name)}</strong><br>${esc(address(c))}</p>${contact(c)}</section>
${equipment(iv)}
${iv.notes ? `<section class="block"><h2>${esc(t("notes"))}</h2><p>${esc(iv.notes)}</p></section>` : ""}
${history(iv)}
<section class="block"><h2>${esc(t("technicians"))}</h2><p>${iv.technicians.map(esc).join(", ")}${iv.store ? `<br>${esc(t("store", { s: iv.store }))}` : ""}</p></section>
<section class="block"><h2>${esc(t("forms"))}</h2><ul class="forms">${formItems || `<li>${esc(t("no_forms"))}</li>`}</ul></section>
<nav class="actions">${buttons}</nav>`;
}

export function formScreen(iv, f, readonly) {
  return `<a class="back" href="#/i/${esc(iv.uuid)}">← ${esc(iv.client.name)}</a>
<h1 class="iv-title">${esc(f.title)}</h1>
${readonly ? `<p class="note">${esc(readonly)}</p>` : ""}
<fieldset class="form-host" id="form-host"${readonly ? " disabled" : ""}><p class="empty">${esc(t("loading_form"))}</p></fieldset>
<p class="saved" id="saved" aria-live="polite"></p>
${readonly ? "" : `<nav class="actions"><button type="button" class="btn primary wide" data-action="save-form">${esc(t("save_form"))}</button></nav>`}`;
}

function picker(name, label, value) {
  const h = Math.floor((value || 0) / 60);
  const m = (value || 0) % 60;
  const hs = Array.from({ length: 13 }, (_, i) => `<option${i === h ? " selected" : ""}>${i}</option>`).join("");
  const ms = Array.from({ length: 12 }, (_, i) => i * 5).map((i) => `<option${i === m - (m % 5) ? " selected" : ""}>${i}</option>`).join("");
  return `<fieldset class="picker"><legend>${esc(label)}</legend><label><select name="${name}_h" aria-label="${esc(t("hours_of", { l: label }))}">${hs}</select> ${t("h")}</label><label><select name="${name}_m" aria-label="${esc(t("minutes_of", { l: label }))}">${ms}</select> ${t("min")}</label></fieldset>`;
}

export function timeDialog(mode, planned, travel) {
  return `<form method="dialog" class="dialog-body"><h2>${esc(t("time_spent"))}</h2>
${mode === "manual" ? picker("duration", t("work_duration"), planned) : ""}
${travel ? picker("travel", t("travel_time"), 0) : ""}
<div class="row"><button class="btn" value="cancel">${esc(t("cancel"))}</button><button class="btn primary" value="ok">${esc(t("ok"))}</button></div></form>`;
}

/** A yes/no question in a dialog. */
export function confirmDialog(title, text, yes) {
  return `<form method="dialog" class="dialog-body"><h2>${esc(title)}</h2><p>${esc(text)}</p>
<div class="row"><button class="btn" value="cancel">${esc(t("cancel"))}</button><button class="btn primary" value="ok">${esc(yes)}</button></div></form>`;
}
