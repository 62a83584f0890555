// Show/hide conditions, evaluated on the device exactly as engine/rules.py `holds()` does
// on the server: the same answers show the same fields. Keep the two in step (a parity
// test in Chromium runs both over the same table).
//
// A value is `undefined` when the answer is absent: a condition on it is false.

import { readForm, valueAt } from "./values.js";

const isNumber = (v) => typeof v === "number" && Number.isFinite(v);
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// JSON equality: true is not 1, 1 is 1.0, objects by keys and values.
export function equal(a, b) {
  if (typeof a === "boolean" || typeof b === "boolean") return a === b;
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  }
  if (Array.isArray(a) || Array.isArray(b) || isObject(a) || isObject(b)) return false;
  return a === b;
}

const TYPE_TESTS = {
  string: (v) => typeof v === "string",
  number: isNumber,
  integer: (v) => isNumber(v) && Number.isInteger(v),
  boolean: (v) => typeof v === "boolean",
  object: isObject,
  array: (v) => Array.isArray(v),
  null: (v) => v === null,
};

const regexCache = new Map();
function regex(pattern) {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, "u");
    } catch (e) {
      re = new RegExp(pattern);
    }
    regexCache.set(pattern, re);
  }
  return re;
}

// Length in code points, as Python's len() counts.
const codePoints = (s) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

export function holds(schema, value) {
  if (value === undefined) return false;
  if (schema === true) return true;
  if (schema === false) return false;
  const s = schema || {};
  const has = (k) => Object.prototype.hasOwnProperty.call(s, k);
  if (has("type")) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => (TYPE_TESTS[t] || (() => false))(value))) return false;
  }
  if (has("const") && !equal(value, s.const)) return false;
  if (has("enum") && !s.enum.some((e) => equal(value, e))) return false;
  if (isNumber(value)) {
    if (has("minimum") && value < s.minimum) return false;
    if (has("maximum") && value > s.maximum) return false;
    if (has("exclusiveMinimum") && value <= s.exclusiveMinimum) return false;
    if (has("exclusiveMaximum") && value >= s.exclusiveMaximum) return false;
  }
  if (typeof value === "string") {
    if (has("pattern") && !regex(s.pattern).test(value)) return false;
    if (has("minLength") && codePoints(value) < s.minLength) return false;
    if (has("maxLength") && codePoints(value) > s.maxLength) return false;
  }
  if (Array.isArray(value)) {
    if (has("minItems") && value.length < s.minItems) return false;
    if (has("maxItems") && value.length > s.maxItems) return false;
    if (has("contains") && !value.some((v) => holds(s.contains, v))) return false;
  }
  if (isObject(value)) {
    if (has("required") && !s.required.every((k) => Object.prototype.hasOwnProperty.call(value, k))) return false;
    for (const [name, sub] of Object.entries(s.properties || {})) {
      if (Object.prototype.hasOwnProperty.call(value, name) && !holds(sub, value[name])) return false;
    }
  }
  if (has("not") && holds(s.not, value)) return false;
  if (has("allOf") && !s.allOf.every((sub) => holds(sub, value))) return false;
  if (has("anyOf") && !s.anyOf.some((sub) => holds(sub, value))) return false;
  return true;
}

// Whether a field with these conditions is shown: every condition must allow it.
export function shows(conditions, lookup) {
  return conditions.every((c) => {
    const matched = holds(c.schema, lookup(c.scope));
    return c.effect === "SHOW" ? matched : !matched;
  });
}

const CONTROLS = "input, select, textarea, button";

function setOff(wrapper, off) {
  wrapper.hidden = off;
  for (const el of wrapper.querySelectorAll(CONTROLS)) {
    if (off) {
      el.disabled = true;
    } else if (!el.hasAttribute("data-ff-keep-disabled") && !el.closest("[hidden]")) {
      el.disabled = false;
    }
  }
}

// Evaluate every rule of the form against its current answers; repeat until stable, since
// hiding a field removes its answer, which other rules may read.
export function applyRules(form) {
  const wrappers = [...form.querySelectorAll("[data-ff-rules]")];
  if (!wrappers.length) return;
  for (const w of wrappers) {
    if (!w._ffRules) w._ffRules = JSON.parse(w.getAttribute("data-ff-rules"));
  }
  for (let pass = 0; pass < 8; pass++) {
    const data = readForm(form);
    let changed = false;
    for (const w of wrappers) {
      if (!w.isConnected) continue;
      const show = shows(w._ffRules, (scope) => valueAt(data, scope));
      if (show === w.hidden) {
        setOff(w, !show);
        changed = true;
      }
    }
    if (!changed) break;
  }
  // re-enable the controls of shown fields inside a field shown again
  for (const w of wrappers) {
    if (!w.hidden && w.isConnected) setOff(w, false);
  }
  for (const sec of form.querySelectorAll(".ff-section")) {
    const fields = [...sec.querySelectorAll(":scope > .ff-field")];
    sec.hidden = fields.length > 0 && fields.every((f) => f.hidden);
  }
}
