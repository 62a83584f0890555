// The encode side of /static/ff/values.js: put answers (typed JSON, as the server keeps
// them) back into a blank rendered form, so that decodeForm(form) gives them back.
// Mirrors engine/codec.py scalar_to_text: choice tokens, "true"/"false", local date-times,
// hours and minutes of durations, photo ids, signature parts, JSON text. Controls a person
// cannot change (read-only or disabled choices, checkboxes, ranges, durations) post their
// answer through hidden "carrier" inputs, and a range or colour that cannot show the answer
// exactly through a hidden "late value": both are made here as the renderer makes them.
//
// Containers are set up first, outermost first, as the renderer draws them for the same
// answers (engine/walk.py): a list gets one item per answer, a map one row per key it does
// not declare (the key in the row's key input), a oneOf/anyOf the option that the answers
// match best (choice.js closestOption, engine/options.py). Then every field takes its
// answer, and each object that keeps answers no field shows carries them (`name:kept`).

import { datetimeToLocal, fieldSpec, parseName, toName } from "/static/ff/values.js";
import { addItem } from "/static/ff/arrays.js";
import { chooseOption, closestOption, matchersOf } from "/static/ff/choice.js";
import { holds } from "/static/ff/condition.js";
import { attachmentSrc } from "/static/ff/attachments.js";
import { t } from "./i18n.js";

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function at(data, path) {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object" || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = cur[seg];
  }
  return cur;
}

const byName = (form, attr, name) => form.querySelector(`[${attr}="${CSS.escape(name)}"]`);

/** The data path of a (name) path: a map row's number is the key typed in its row. */
function dataPath(form, path) {
  const out = [];
  for (let j = 0; j < path.length; j++) {
    const seg = path[j];
    if (typeof seg === "number" && byName(form, "data-ff-map", toName(path.slice(0, j)))) {
      const keyInput = byName(form, "name", `${toName(path.slice(0, j + 1))}:key`);
      out.push(keyInput ? keyInput.value : seg);
    } else {
      out.push(seg);
    }
  }
  return out;
}

export function toText(spec, value, tz) {
  if (value === undefined) return "";
  if (spec.widget === "json") return JSON.stringify(value);
  if (spec.choices) {
    for (const [token, v] of spec.choices) if (same(v, value) && typeof v === typeof value) return token;
  }
  if (value === null) return "";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(value);
  if (spec.widget === "datetime" && typeof value === "string") return datetimeToLocal(value, tz);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function fillList(form, arr, value) {
  const list = arr.querySelector(":scope > [data-ff-items]");
  if (!list) return;
  const fixed = parseInt(arr.getAttribute("data-ff-fixed") || "0", 10);
  for (const li of [...list.children]) {
    if (!(fixed && parseInt(li.getAttribute("data-ff-index"), 10) < fixed)) li.remove();
  }
  const n = Array.isArray(value) ? value.length : 0;
  for (let i = fixed; i < n; i++) addItem(arr);
}

function fillMap(form, map, value) {
  const list = map.querySelector(":scope > [data-ff-items]");
  if (!list) return;
  list.replaceChildren();
  const reserved = JSON.parse(map.getAttribute("data-ff-reserved") || "[]");
  const patterns = [...map.querySelectorAll(":scope > template[data-ff-pattern-row]")];
  for (const k of Object.keys(isObject(value) ? value : {})) {
    if (reserved.includes(k)) continue;
    // the row of the first pattern the key matches, as the server draws it (engine.schema.pattern_of)
    const tpl = patterns.find((t) => holds({ pattern: t.getAttribute("data-ff-pattern-row") }, k));
    const li = tpl ? addItem(map, tpl) : addItem(map);
    const keyInput = li && li.querySelector(":scope > .ff-map-key > [data-ff-key]");
    if (keyInput) keyInput.value = k;
  }
}

/** Lists, maps and choices, outermost first: what they create holds more of them. */
function setContainers(form, data) {
  const seen = new Set();
  for (;;) {
    const box = [...form.querySelectorAll("[data-ff-array], [data-ff-choice]")].find((a) => !seen.has(a));
    if (!box) return;
    seen.add(box);
    const name = box.getAttribute(box.hasAttribute("data-ff-choice") ? "data-ff-choice" : "data-ff-array");
    const path = parseName(name);
    const value = path ? at(data, dataPath(form, path)) : undefined;
    if (box.hasAttribute("data-ff-choice")) {
      const select = box.querySelector(":scope > .ff-option-select > [data-ff-option-select]");
      chooseOption(box, closestOption(matchersOf(box), value, select ? parseInt(select.value, 10) : 0));
    } else if (box.hasAttribute("data-ff-map")) {
      fillMap(form, box, value);
    } else {
      fillList(form, box, value);
    }
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
  if (spec.widget === "null") return;
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
      // a range or colour always has a value (the blank form's may be its default)
      const lateName = el.getAttribute("data-ff-late-name") || ((el.type === "range" || el.type === "color") && el.name) || null;
      if (lateName) {
        // named only when it shows the answer exactly, as the renderer does (exact_input)
        if (text !== "" && el.value === text) {
          el.name = lateName;
        } else {
          el.removeAttribute("name");
          el.setAttribute("data-ff-late-name", lateName);
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

/** The answers of each object that no field draws, carried by `name:kept` (as the
 *  renderer carries them: engine/walk.py). */
function setKept(form, data) {
  const drawn = new Map();
  for (const el of [form, ...form.querySelectorAll("[data-ff-object][data-ff-keeps]")]) {
    if (!el.hasAttribute("data-ff-keeps")) continue;
    const name = el === form ? "" : el.getAttribute("data-ff-object");
    if (!drawn.has(name)) drawn.set(name, { el, keys: new Set() });
    for (const k of JSON.parse(el.getAttribute("data-ff-keeps"))) drawn.get(name).keys.add(k);
  }
  for (const [name, { el, keys }] of drawn) {
    const path = parseName(name);
    const value = path ? at(data, dataPath(form, path)) : undefined;
    if (!isObject(value)) continue;
    const kept = Object.fromEntries(Object.entries(value).filter(([k]) => !keys.has(k)));
    if (!Object.keys(kept).length) continue;
    const input = hidden(el, `${name}:kept`, JSON.stringify(kept), "data-ff-kept");
    el.appendChild(input);
  }
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
  setContainers(form, data);
  for (const w of form.querySelectorAll("[data-ff-field]")) {
    const spec = fieldSpec(w);
    if (!spec.path) continue;
    setLeaf(form, w, at(data, dataPath(form, spec.path)), tz);
  }
  setKept(form, data);
  return form;
}
