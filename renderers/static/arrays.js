// Arrays: add an item from the array's <template>, remove it, move it up or down.
// Items keep the index in their names; a new item takes (largest index + 1). The server
// decodes items in the order the browser sends them, so nothing is renumbered. The rows of
// a map (data-ff-map: a key, then a value) are added and removed the same way; the blank
// row that lets a key be added without JavaScript (.ff-nojs-row) goes.

const TOKEN = "__INDEX__";

function ownItems(arr) {
  const list = arr.querySelector(":scope > [data-ff-items]");
  return list ? [...list.children].filter((li) => li.hasAttribute("data-ff-item")) : [];
}

function rewrite(root, pairs) {
  const els = root.querySelectorAll ? [...root.querySelectorAll("*")] : [];
  for (const el of els) {
    for (const attr of [...el.attributes]) {
      let v = attr.value;
      if (!v.includes(TOKEN)) continue;
      for (const [from, to] of pairs) v = v.split(from).join(to);
      if (v !== attr.value) el.setAttribute(attr.name, v);
    }
    if (el.tagName === "TEMPLATE") rewrite(el.content, pairs);
  }
}

export function updateArray(arr) {
  const items = ownItems(arr);
  const max = arr.getAttribute("data-ff-max-items");
  const min = arr.getAttribute("data-ff-min-items");
  const add = arr.querySelector(":scope > [data-ff-add]");
  const off = arr.hidden || !!arr.closest("[hidden]");
  if (add) add.disabled = off || (max !== null && items.length >= parseInt(max, 10));
  items.forEach((li, i) => {
    const tools = li.querySelector(":scope > .ff-item-tools");
    if (!tools) return;
    const rm = tools.querySelector("[data-ff-remove]");
    if (rm) rm.disabled = off || (min !== null && items.length <= parseInt(min, 10));
    const up = tools.querySelector("[data-ff-up]");
    const down = tools.querySelector("[data-ff-down]");
    if (up) up.disabled = off || i === 0;
    if (down) down.disabled = off || i === items.length - 1;
  });
}

/** Add an item (or a map row) from the array's template, or from `tpl` (a map's row for
 *  the keys of one pattern); returns the new item. */
export function addItem(arr, tpl = arr.querySelector(":scope > template[data-ff-template]")) {
  const list = arr.querySelector(":scope > [data-ff-items]");
  if (!tpl || !list) return null;
  const used = ownItems(arr).map((li) => parseInt(li.getAttribute("data-ff-index"), 10)).filter((n) => !Number.isNaN(n));
  const index = used.length ? Math.max(...used) + 1 : 0;
  const name = arr.getAttribute("data-ff-array");
  const domId = arr.getAttribute("data-ff-dom-id");
  const pointer = arr.getAttribute("data-ff-pointer");
  const frag = tpl.content.cloneNode(true);
  rewrite(frag, [
    [`${name}[${TOKEN}]`, `${name}[${index}]`],
    [`${domId}-${TOKEN}`, `${domId}-${index}`],
    [`${pointer}/${TOKEN}`, `${pointer}/${index}`],
  ]);
  const li = frag.querySelector("[data-ff-item]");
  li.setAttribute("data-ff-index", String(index));
  list.appendChild(frag);
  return li;
}

export function initArrays(form, onChange) {
  for (const row of form.querySelectorAll(".ff-nojs-row")) row.remove();
  form.addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-ff-add], [data-ff-remove], [data-ff-up], [data-ff-down]");
    if (!btn || !form.contains(btn)) return;
    const arr = btn.closest("[data-ff-array]");
    if (!arr) return;
    ev.preventDefault();
    if (btn.hasAttribute("data-ff-add")) {
      const li = addItem(arr);
      if (li) {
        onChange(li);
        const first = li.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
        if (first) first.focus();
      }
    } else {
      const li = btn.closest("[data-ff-item]");
      if (btn.hasAttribute("data-ff-remove")) {
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        const focus = next ? next.querySelector("[data-ff-remove], input, select, textarea") : arr.querySelector(":scope > [data-ff-add]");
        if (focus) focus.focus();
      } else if (btn.hasAttribute("data-ff-up") && li.previousElementSibling) {
        li.parentNode.insertBefore(li, li.previousElementSibling);
        btn.focus();
      } else if (btn.hasAttribute("data-ff-down") && li.nextElementSibling) {
        li.parentNode.insertBefore(li.nextElementSibling, li);
        btn.focus();
      }
      onChange(null);
    }
  });
  for (const arr of form.querySelectorAll("[data-ff-array]")) updateArray(arr);
}
