// ui:steps: with JavaScript the steps are pages (previous / next); without, all are shown.

const CONTROLS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

export function initSteps(form) {
  const steps = [...form.querySelectorAll(":scope > .ff-step")];
  if (steps.length < 2) return null;
  form.classList.add("ff-paged");
  let current = 0;
  const firstError = steps.findIndex((s) => s.querySelector(".ff-invalid"));
  if (firstError > 0) current = firstError;
  const show = (i, focus) => {
    current = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach((s, j) => {
      s.classList.toggle("ff-step-current", j === current);
      s.setAttribute("aria-hidden", j === current ? "false" : "true");
    });
    const nav = steps[current].querySelector(".ff-step-nav");
    if (nav) {
      nav.querySelector("[data-ff-prev]").disabled = current === 0;
      nav.querySelector("[data-ff-next]").hidden = current === steps.length - 1;
    }
    if (focus) {
      const title = steps[current].querySelector(".ff-step-title");
      if (title) {
        title.tabIndex = -1;
        title.focus();
      }
    }
  };
  form.addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-ff-prev], [data-ff-next]");
    if (!btn || !form.contains(btn)) return;
    ev.preventDefault();
    if (btn.hasAttribute("data-ff-next")) {
      for (const el of steps[current].querySelectorAll(CONTROLS)) {
        if (!el.closest("[hidden]") && !el.checkValidity()) {
          el.reportValidity();
          return;
        }
      }
      show(current + 1, true);
    } else {
      show(current - 1, true);
    }
  });
  // a control the browser refuses on submit: go to its step
  form.addEventListener("invalid", (ev) => {
    const i = steps.findIndex((s) => s.contains(ev.target));
    if (i >= 0 && i !== current) show(i, false);
  }, true);
  show(current, false);
  return { show, get current() { return current; } };
}
