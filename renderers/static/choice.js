// oneOf/anyOf and type unions: a selector, then the chosen option's sub-form. Each option's
// blank sub-form (with its defaults) waits in a <template data-ff-option="k">; choosing an
// option puts its sub-form in place of the one drawn, as RJSF's MultiSchemaField does.
//
// closestOption() is engine/options.py `closest_option`, evaluated on the same matchers
// (data-ff-match): the phone picks the option the server page would for the same answers.

import { equal, holds } from "./condition.js";

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// JavaScript's truthiness is what RJSF scores a default or a const by.
const truthy = (v) => !(v === undefined || v === null || v === false || v === 0 || v === "" || Number.isNaN(v));

function guess(v) {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "number" ? "number" : typeof v;
}

// `===` on JSON values: objects and lists are never the same.
const same = (a, b) => (a !== null && typeof a === "object") || (b !== null && typeof b === "object") ? false : equal(a, b);

/** RJSF's getFirstMatchingOption: the first option `value` is valid against, or 0. */
export function firstMatching(options, value) {
  if (value === undefined) return 0;
  const i = options.findIndex((m) => holds(m, value));
  return i < 0 ? 0 : i;
}

/** RJSF's calculateIndexScore on a matcher. */
export function score(m, value) {
  if (!isObject(m)) return 0;
  if (isObject(m.properties)) {
    let total = 0;
    const obj = isObject(value) ? value : {};
    for (const [k, sub] of Object.entries(m.properties)) {
      if (!isObject(sub)) continue;
      const v = Object.prototype.hasOwnProperty.call(obj, k) ? obj[k] : undefined;
      const alts = sub.oneOf || sub.anyOf;
      if (Array.isArray(alts) && alts.length && truthy(v)) {
        total += score(alts[firstMatching(alts, v)], v);
        continue;
      }
      if (sub.type === "object") {
        total += (isObject(v) ? 1 : 0) + score(sub, v);
        continue;
      }
      if (sub.type === guess(v)) {
        total += 1;
        if (truthy(sub.default)) total += same(v, sub.default) ? 1 : -1;
        else if (truthy(sub.const)) total += same(v, sub.const) ? 1 : -1;
      }
    }
    return total;
  }
  return typeof m.type === "string" && m.type === guess(value) ? 1 : 0;
}

/** RJSF's getClosestMatchingOption (engine.options.closest_option). */
export function closestOption(matchers, value, selected = 0) {
  if (!matchers.length) return 0;
  const valid = value === undefined ? [] : matchers.map((m, i) => (holds(m, value) ? i : -1)).filter((i) => i >= 0);
  if (valid.length === 1) return valid[0];
  const candidates = valid.length ? valid : matchers.map((_, i) => i);
  let best = selected;
  let bestScore = 0;
  const seen = new Set();
  for (const i of candidates) {
    const s = score(matchers[i], value);
    seen.add(s);
    if (s > bestScore) {
      best = i;
      bestScore = s;
    }
  }
  if (seen.size === 1 && selected >= 0) return selected;
  return best;
}

export function matchersOf(wrapper) {
  if (!wrapper._ffMatch) wrapper._ffMatch = JSON.parse(wrapper.getAttribute("data-ff-match") || "[]");
  return wrapper._ffMatch;
}

/** Draw option `k` of a choice field (its blank sub-form, with its defaults); returns the
 *  new sub-form's container, or null when `k` is already drawn or has no template. */
export function chooseOption(wrapper, k) {
  const body = wrapper.querySelector(":scope > [data-ff-option-body]");
  const tpl = wrapper.querySelector(`:scope > template[data-ff-option="${k}"]`);
  const select = wrapper.querySelector(":scope > .ff-option-select > [data-ff-option-select]");
  if (select) select.value = String(k);
  if (!body || !tpl) return null;
  const drawn = body.querySelector(":scope > [data-ff-drawn]");
  if (drawn && drawn.value === String(k)) return null;
  body.replaceChildren(tpl.content.cloneNode(true));
  return body;
}

export function initChoices(form, onChange) {
  form.addEventListener("change", (ev) => {
    const select = ev.target.closest && ev.target.closest("[data-ff-option-select]");
    if (!select || !form.contains(select)) return;
    const wrapper = select.closest("[data-ff-choice]");
    const body = chooseOption(wrapper, select.value);
    if (body) onChange(body);
  });
}
