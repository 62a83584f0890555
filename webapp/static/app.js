// fieldforms back office: small progressive enhancements; every page works without it.

// Filters submit themselves when changed.
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  form.addEventListener("change", () => form.requestSubmit());
}

// Forms asking for confirmation (cancel an intervention, disable an account).
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// A submit button marked data-once cannot send the same form twice (the server also
// refuses a second creation with the same uuid).
for (const button of document.querySelectorAll("button[data-once]")) {
  button.form?.addEventListener("submit", () => setTimeout(() => { button.disabled = true; }, 0));
}

// "Copy" next to an address (the calendar feed): the clipboard, else the text selected for
// the person to copy; the button is hidden without JavaScript.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const input = document.getElementById(button.dataset.copy);
  const status = button.closest("p")?.querySelector(".copy-status");
  button.hidden = false;
  button.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      document.execCommand("copy");
    }
    if (status) status.textContent = button.dataset.copied;
  });
}

// Intervention form: moving the start or changing the type keeps the planned duration.
const ivForm = document.getElementById("intervention-form");
if (ivForm) {
  const start = ivForm.querySelector("[name=start_at]");
  const end = ivForm.querySelector("[name=end_at]");
  const type = ivForm.querySelector("[name=event_type_id]");
  const pad = (n) => String(n).padStart(2, "0");
  const fmt = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  let duration = start.value && end.value ? (new Date(end.value) - new Date(start.value)) / 60000 : 60;
  const apply = () => {
    if (!start.value) return;
    end.value = fmt(new Date(new Date(start.value).getTime() + duration * 60000));
  };
  start.addEventListener("change", apply);
  end.addEventListener("change", () => {
    if (start.value && end.value) duration = (new Date(end.value) - new Date(start.value)) / 60000;
  });
  type.addEventListener("change", () => {
    const minutes = Number(type.selectedOptions[0]?.dataset.duration);
    if (minutes) { duration = minutes; apply(); }
  });

  // With many clients, the client is chosen by searching the JSON API.
  const search = document.getElementById("client-search");
  const select = ivForm.querySelector("[name=client_id]");
  if (search) {
    let timer;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = search.value.trim();
        if (q.length < 2) return;
        const response = await fetch(`${search.dataset.api}?q=${encodeURIComponent(q)}`, { headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const { clients } = await response.json();
        const keep = select.value;
        select.replaceChildren(...clients.map((c) => new Option(`${c.name} — ${c.postcode ?? ""} ${c.city ?? ""}`, c.id)));
        if (clients.some((c) => String(c.id) === keep)) select.value = keep;
      }, 200);
    });
  }
}

// Intervention form: the equipment offered is the chosen client's (JSON API).
const equipmentSelect = ivForm?.querySelector("[name=equipment_id]");
const clientSelect = ivForm?.querySelector("[name=client_id]");
if (equipmentSelect && clientSelect) {
  const none = equipmentSelect.options[0];
  clientSelect.addEventListener("change", async () => {
    equipmentSelect.replaceChildren(none);
    if (!clientSelect.value) return;
    const url = equipmentSelect.dataset.api.replace("/clients/0/", `/clients/${encodeURIComponent(clientSelect.value)}/`);
    const response = await fetch(`${url}?retired=0`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { equipment } = await response.json();
    equipmentSelect.replaceChildren(none, ...equipment.map((e) => new Option(e.label, e.id)));
  });
}

// Maintenance due: "tick all" (shown with JavaScript only).
const dueAll = document.getElementById("due-all");
if (dueAll) {
  const boxes = [...document.querySelectorAll("#due-form input[name=equipment_id]")];
  dueAll.hidden = boxes.length === 0;
  dueAll.addEventListener("change", () => { for (const b of boxes) b.checked = dueAll.checked; });
}
