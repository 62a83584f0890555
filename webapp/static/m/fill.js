// The encode side of /static/ff/values.js: put answers (typed JSON, as the server keeps
// them) back into a blank rendered form, so that decodeForm(form) gives them back.
// Mirrors engine/codec.py scalar_to_text: choice tokens, "true"/"false", local date-times,
// hours and minutes of durations, photo ids, signature parts.

import { fieldSpec, parseName } from "/static/ff/values.js";
import { addItem } from "/static/ff/arrays.js";
import { attachmentSrc } from "/static/ff/attachments.js";

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function at(data, path) {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object" || !(seg in cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** An RFC 3339 instant as a datetime-local value in the form's zone (codec.datetime_to_local). */
export function datetimeToLocal(value, tz) {
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/[zZ]|[+-]\d\d:?\d\d$/.test(value)) return value;
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const text = `${parts.year}-${parts.month}-${parts.day}T${pad(parseInt(parts.hour, 10) % 24)}:${parts.minute}`;
  return parts.second !== "00" ? `${text}:${parts.second}` : text;
}

export function toText(spec, value, tz) {
  if (value === undefined || value === null) return "";
  if (spec.choices) {
    for (const [token, v] of spec.choices) if (same(v, value) && typeof v === typeof value) return token;
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  if (spec.widget === "datetime" && typeof value === "string") return datetimeToLocal(value, tz);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function setArrays(form, data) {
  const seen = new Set();
  for (;;) {
    const arr = [...form.querySelectorAll("[data-ff-array]")].find((a) => !seen.has(a));
    if (!arr) return;
    seen.add(arr);
    const path = parseName(arr.getAttribute("data-ff-array"));
    const value = path ? at(data, path) : undefined;
    const list = arr.querySelector(":scope > [data-ff-items]");
    if (!list) continue;
    list.replaceChildren();
    const n = Array.isArray(value) ? value.length : 0;
    for (let i = 0; i < n; i++) addItem(arr);
  }
}

function photo(form, name, id) {
  const li = document.createElement("li");
  li.className = "ff-photo";
  li.setAttribute("data-ff-photo", id);
  const img = document.createElement("img");
  img.alt = "Photo";
  attachmentSrc(form, id).then((src) => { if (src) img.src = src; });
  const input = Object.assign(document.createElement("input"), { type: "hidden", name, value: id });
  const rm = Object.assign(document.createElement("button"), { type: "button", className: "ff-btn ff-btn-small", textContent: "Retirer" });
  rm.setAttribute("data-ff-remove-photo", "");
  li.append(img, input, rm);
  return li;
}

function setLeaf(form, w, value, tz) {
  const spec = fieldSpec(w);
  const name = spec.name;
  if (spec.widget === "signature") {
    const v = value || {};
    const set = (sel, text) => { const el = w.querySelector(sel); if (el) el.value = text || ""; };
    set("[data-ff-sig-attachment]", v.attachment);
    set("[data-ff-sig-name]", v.name);
    set("[data-ff-sig-at]", v.signed_at ? datetimeToLocal(v.signed_at, tz) : "");
    const current = w.querySelector("[data-ff-sig-current]");
    if (current && v.attachment) {
      current.hidden = false;
      let img = current.querySelector("img");
      if (!img) {
        img = Object.assign(document.createElement("img"), { className: "ff-sig-img", alt: "Signature" });
        current.prepend(img);
      }
      attachmentSrc(form, v.attachment).then((src) => { if (src) img.src = src; });
      const meta = current.querySelector(".ff-sig-meta");
      if (meta) meta.textContent = `Signé par ${v.name || "—"}`;
    }
    return;
  }
  if (spec.widget === "camera") {
    const list = w.querySelector("[data-ff-photos]");
    if (!list) return;
    list.replaceChildren();
    const ids = Array.isArray(value) ? value : value ? [value] : [];
    ids.forEach((id, i) => list.appendChild(photo(form, spec.multiple ? `${name}[${i}]` : name, id)));
    return;
  }
  if (spec.widget === "duration") {
    const h = w.querySelector(`[name="${CSS.escape(name + ":h")}"]`);
    const m = w.querySelector(`[name="${CSS.escape(name + ":m")}"]`);
    const ok = typeof value === "number";
    if (h) h.value = ok ? String(Math.floor(value / 60)) : "";
    if (m) m.value = ok ? String(Math.floor(value) % 60) : "";
    return;
  }
  const values = value === undefined ? [] : spec.multiple && Array.isArray(value) ? value : [value];
  const tokens = values.map((v) => toText(spec, v, tz));
  for (const el of w.querySelectorAll("input, select, textarea")) {
    if (el.hasAttribute("data-ff-carrier") || (el.type === "hidden" && !el.hasAttribute("data-ff-late-value") && el.name !== name)) continue;
    if (el.hasAttribute("data-ff-late-value")) {
      el.remove();
      continue;
    }
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = spec.kind === "boolean" && el.type === "checkbox" ? value === true : tokens.includes(el.value);
    } else if (el.tagName === "SELECT") {
      for (const o of el.options) o.selected = tokens.includes(o.value);
    } else if (el.type !== "file") {
      const late = el.getAttribute("data-ff-late-name");
      if (late && !el.name) el.name = late;
      el.value = tokens[0] || "";
    }
  }
}

/** Fill `form` (blank, not initialised yet) with `data`. */
export function fillForm(form, data) {
  if (!data) return form;
  const tz = form.getAttribute("data-ff-tz") || "Europe/Paris";
  setArrays(form, data);
  for (const w of form.querySelectorAll("[data-ff-field]")) {
    const spec = fieldSpec(w);
    if (!spec.path) continue;
    setLeaf(form, w, at(data, spec.path), tz);
  }
  return form;
}
