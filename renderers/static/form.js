// fieldforms' form client: finds every <form data-ff-form> and adds what HTML alone cannot:
// rules (show/hide), arrays, photos, signatures and steps. No build step: plain ES modules.
//
//   <script type="module" src="/static/ff/form.js"></script>
//
// The offline client imports { initForm, decodeForm } from here.

import { applyRules } from "./condition.js";
import { initArrays, updateArray } from "./arrays.js";
import { initChoices } from "./choice.js";
import { initCamera } from "./camera.js";
import { initSignatures } from "./signature.js";
import { initSteps } from "./steps.js";
import { initPrefill } from "./prefill.js";

export { decodeForm } from "./values.js";
export { holds } from "./condition.js";
export { closestOption, chooseOption } from "./choice.js";
export { attachments } from "./attachments.js";
export { markPrefilled, prefilledPointers } from "./prefill.js";

function syncLate(input) {
  const out = input.parentElement.querySelector("output");
  if (out) out.textContent = input.value;
  const name = input.getAttribute("data-ff-late-name");
  if (!input.name && name) {
    // a range or a colour always has a value: it gets its name once the technician moves it
    const companion = input.closest(".ff-field").querySelector("[data-ff-late-value]");
    if (companion) companion.remove();
    input.name = name;
  }
}

export function initForm(form) {
  if (form._ffReady) return form._ffReady;
  const refresh = () => {
    applyRules(form);
    for (const arr of form.querySelectorAll("[data-ff-array]")) updateArray(arr);
  };
  form.addEventListener("input", (ev) => {
    if (ev.target.matches && ev.target.matches("[data-ff-late-name], [type=range]")) syncLate(ev.target);
  });
  const added = (root) => {
    if (root) initSignatures(form, root);
    refresh();
  };
  initChoices(form, added); // before refresh: a new option's fields are there when rules run
  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
  initArrays(form, added);
  initCamera(form);
  initSteps(form);
  initPrefill(form);
  refresh();
  form.setAttribute("data-ff-ready", "");
  form._ffReady = initSignatures(form).then(() => form);
  return form._ffReady;
}

export function initAll(root = document) {
  return Promise.all([...root.querySelectorAll("form[data-ff-form]")].map(initForm));
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => initAll());
  else initAll();
}
