// The encode side of /static/ff/values.js: put answers (typed JSON, as the server keeps
// them) back into a blank rendered form, so that decodeForm(form) gives them back.
// Mirrors engine/codec.py scalar_to_text: choice tokens, "true"/"false", local date-times,
// hours and minutes of durations, photo ids, signature parts. Controls a person cannot
// change (read-only or disabled choices, checkboxes, ranges, durations) post their answer
// through hidden "carrier" inputs, and a range or colour that cannot show the answer exactly
// through a hidden "late value": both are made here as the renderer makes them.

import { datetimeToLocal, fieldSpec, parseName } from "/static/ff/values.js";
import { addItem } from "/static/ff/arrays.js";
import { attachmentSrc } from "/static/ff/attachments.js";
import { t } from "./i18n.js";

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function at(data, path) {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object" || !(seg in cur)) return undefined;
    cur = cur[seg];
  }
  return cur;
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
  img.alt = t("photo");
  attachmentSrc(form, id).then((src) => { if (src) img.src = src; });
  const input = Object.assign(document.createElement("input"), { type: "hidden", name, value: id });
  const rm = Object.assign(document.createElement("button"), { type: "button", className: "ff-btn ff-btn-small", textContent: t("remove") });
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
      if (meta) meta.textContent = t("signed_by", { n: v.name || "—" });
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
    const parts = { h: ok ? String(Math.floor(value / 60)) : "", m: ok ? String(Math.floor(value) % 60) : "" };
    if (h) h.value = parts.h;
    if (m) m.value = parts.m;
    if (locked(h) || locked(m) || w.querySelector("[data-ff-carrier]")) {
      for (const c of w.querySelectorAll("[data-ff-carrier]")) c.remove();
      for (const k of ["h", "m"]) w.appendChild(hidden(w, `${name}:${k}`, parts[k], "data-ff-carrier"));
    }
    return;
  }
  const values = value === undefined ? [] : spec.multiple && Array.isArray(value) ? value : [value];
  const tokens = values.map((v) => toText(spec, v, tz));
  for (const el of w.querySelectorAll("[data-ff-carrier], [data-ff-late-value]")) if (el.name === name) el.remove();
  let late = null; // the text a range or colour could not show exactly
  let lock = false; // a control that is not posted: carriers post the answer
  for (const el of w.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" && el.name !== name) continue;
    if (el.type !== "hidden" && locked(el)) lock = true;
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = spec.kind === "boolean" && el.type === "checkbox" ? value === true : tokens.includes(el.value);
    } else if (el.tagName === "SELECT") {
      for (const o of el.options) o.selected = tokens.includes(o.value);
    } else if (el.type !== "file") {
      const text = tokens[0] || "";
      el.value = text;
      const lateName = el.getAttribute("data-ff-late-name");
      if (lateName) {
        // named only when it shows the answer exactly, as the renderer does (exact_input)
        if (text !== "" && el.value === text) {
          el.name = lateName;
        } else {
          el.removeAttribute("name");
          late = text;
        }
        const out = el.type === "range" && el.parentElement.querySelector("output");
        if (out && text !== "") out.textContent = text;
      }
    }
  }
  if (late !== null) w.appendChild(hidden(w, name, late, "data-ff-late-value"));
  if (!lock) return;
  let carried = tokens.filter((x) => x !== ""); // a choice's tokens, a range's or colour's text
  if (spec.widget === "checkbox") carried = value === true ? ["true"] : [];
  else if (late !== null) carried = []; // the late value posts it
  for (const text of carried) w.appendChild(hidden(w, name, text, "data-ff-carrier"));
}

/** Whether a control is kept out of the post (read-only choice, disabled field). */
const locked = (el) => !!el && el.disabled && el.hasAttribute("data-ff-keep-disabled");

function hidden(w, name, value, marker) {
  const input = Object.assign(document.createElement("input"), { type: "hidden", name, value });
  input.setAttribute(marker, "");
  input.disabled = !!w.closest("[hidden]"); // a field hidden by a rule posts nothing (condition.js)
  return input;
}

/** Fill `form` (blank, not initialised yet) with `data`. */
export function fillForm(form, data) {
  if (!data) return form;
  const tz = form.getAttribute("data-ff-tz") || undefined;
  setArrays(form, data);
  for (const w of form.querySelectorAll("[data-ff-field]")) {
    const spec = fieldSpec(w);
    if (!spec.path) continue;
    setLeaf(form, w, at(data, spec.path), tz);
  }
  return form;
}
