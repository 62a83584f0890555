// Prefilled fields (engine/prefill.py): a field whose value came from the client, the
// equipment, the intervention or the previous visit says so until the person confirms it
// (its button) or changes it. The form's `:prefilled` input carries the fields still
// unconfirmed: the server page posts it (the save's audit keeps it), the phone keeps it
// with its draft. The server draws the marks of a page it fills; the phone, which fills a
// blank form, marks the fields the pull names (markPrefilled).

import { parseName, toName } from "./values.js";

const esc = (s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1");
const unesc = (s) => s.replace(/~1/g, "/").replace(/~0/g, "~");

function pointerOf(name) {
  const path = parseName(name);
  return path ? path.map((seg) => `/${esc(seg)}`).join("") : null;
}

function nameOf(pointer) {
  return toName(pointer.split("/").slice(1).map(unesc).map((s) => (/^\d+$/.test(s) ? parseInt(s, 10) : s)));
}

/** The pointers of the fields shown as prefilled, sorted. */
export function prefilledPointers(form) {
  return [...form.querySelectorAll(".ff-prefilled[data-ff-field]")].map((w) => pointerOf(w.getAttribute("data-ff-field"))).filter(Boolean).sort();
}

function record(form) {
  const input = form.querySelector("input[data-ff-prefilled]");
  if (input) input.value = JSON.stringify(prefilledPointers(form));
}

function setMark(w, on) {
  const note = w.querySelector(":scope > [data-ff-prefill-note]");
  if (!note) return;
  w.classList.toggle("ff-prefilled", on);
  note.hidden = !on;
  for (const el of w.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== note.id);
    if (on) ids.push(note.id);
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }
}

/** Show the fields named by `pointers` as prefilled (the phone, after filling the form);
 *  `sources` (pointer -> source) says which of a field's sources its value came from. */
export function markPrefilled(form, pointers, sources = {}) {
  for (const p of pointers || []) {
    const w = form.querySelector(`[data-ff-field="${CSS.escape(nameOf(p))}"][data-ff-prefill]`);
    if (!w) continue;
    const badge = w.querySelector(":scope > [data-ff-prefill-note] > [data-ff-notes]");
    const text = badge && sources[p] && JSON.parse(badge.getAttribute("data-ff-notes"))[sources[p]];
    if (text) badge.textContent = text;
    setMark(w, true);
  }
  record(form);
}

/** Changing a prefilled field, or its Confirm button, takes its mark away (`ff:prefill`
 *  tells who keeps the form's state, the phone's draft). */
export function initPrefill(form) {
  const done = (w) => {
    setMark(w, false);
    record(form);
    form.dispatchEvent(new CustomEvent("ff:prefill", { bubbles: true }));
  };
  const changed = (ev) => {
    const w = ev.target.closest && ev.target.closest(".ff-prefilled[data-ff-field]");
    if (w) done(w);
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("click", (ev) => {
    const button = ev.target.closest && ev.target.closest("[data-ff-confirm]");
    const w = button && button.closest(".ff-prefilled[data-ff-field]");
    if (!w) return;
    ev.preventDefault();
    done(w);
    const control = w.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
    if (control) control.focus(); // the button is gone: the field keeps the focus
  });
}
