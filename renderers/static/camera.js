// Photos: the camera (or gallery) gives a full-size picture; it is downscaled here, on the
// device, to its long side `data-ff-max-pixels` (1600 px by default) as JPEG (~0.8), kept
// under a UUID made here, and the answer gets only that id in a hidden input.

import { attachmentSrc, saveAttachment, uuid } from "./attachments.js";

const MESSAGES = {
  fr: { notImage: "Ce fichier n'est pas une image lisible", photo: "Photo", remove: "Retirer" },
  en: { notImage: "This file is not a readable image", photo: "Photo", remove: "Remove" },
};

/** A picture downscaled so that its long side is at most maxPixels: {blob, width, height}. */
export async function downscale(file, maxPixels = 1600, quality = 0.8) {
  const bmp = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, maxPixels / Math.max(bmp.width, bmp.height));
  const width = Math.max(1, Math.round(bmp.width * scale));
  const height = Math.max(1, Math.round(bmp.height * scale));
  let blob;
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bmp, 0, 0, width, height);
    blob = await canvas.convertToBlob({ type: "image/jpeg", quality });
  } else {
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bmp, 0, 0, width, height);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
  }
  bmp.close();
  return { blob, width, height };
}

function texts(form) {
  return MESSAGES[form.getAttribute("lang")] || MESSAGES.fr;
}

function photoItem(form, field, id, name) {
  const t = texts(form);
  const li = document.createElement("li");
  li.className = "ff-photo";
  li.setAttribute("data-ff-photo", id);
  const img = document.createElement("img");
  img.alt = t.photo;
  attachmentSrc(form, id).then((src) => { if (src) img.src = src; });
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = name;
  input.value = id;
  const rm = document.createElement("button");
  rm.type = "button";
  rm.className = "ff-btn ff-btn-small";
  rm.setAttribute("data-ff-remove-photo", "");
  rm.textContent = t.remove;
  li.append(img, input, rm);
  return li;
}

function nextName(field) {
  const name = field.getAttribute("data-ff-camera");
  if (!field.hasAttribute("data-ff-multiple")) return name;
  const used = [...field.querySelectorAll("[data-ff-photos] input[type=hidden]")].map((i) => {
    const m = /\[(\d+)\]$/.exec(i.name);
    return m ? parseInt(m[1], 10) : -1;
  });
  return `${name}[${used.length ? Math.max(...used) + 1 : 0}]`;
}

function showError(field, message) {
  let box = field.querySelector(":scope > .ff-errors[data-ff-client]");
  if (!message) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = document.createElement("div");
    box.className = "ff-errors";
    box.setAttribute("data-ff-client", "");
    box.setAttribute("role", "alert");
    field.appendChild(box);
  }
  box.textContent = message;
}

function refresh(field) {
  const file = field.querySelector("[data-ff-file]");
  if (!file) return;
  const max = parseInt(field.getAttribute("data-ff-max-items") || "1000", 10);
  const count = field.querySelectorAll("[data-ff-photos] > li").length;
  file.disabled = !!field.closest("[hidden]") || (field.hasAttribute("data-ff-multiple") && count >= max);
}

export async function addPhotos(form, field, files) {
  const maxPixels = parseInt(field.getAttribute("data-ff-max-pixels") || "1600", 10);
  const quality = parseFloat(field.getAttribute("data-ff-quality") || "0.8");
  const list = field.querySelector("[data-ff-photos]");
  const multiple = field.hasAttribute("data-ff-multiple");
  const max = parseInt(field.getAttribute("data-ff-max-items") || "1000", 10);
  const added = [];
  showError(field, null);
  for (const file of files) {
    if (multiple && list.children.length >= max) break;
    let out;
    try {
      out = await downscale(file, maxPixels, quality);
    } catch (e) {
      showError(field, `${texts(form).notImage} (${file.name})`);
      continue;
    }
    const id = uuid();
    await saveAttachment(form, id, out.blob, { field: field.getAttribute("data-ff-camera"), kind: "photo", width: out.width, height: out.height });
    if (!multiple) list.replaceChildren();
    list.appendChild(photoItem(form, field, id, nextName(field)));
    added.push({ id, ...out });
  }
  refresh(field);
  form.dispatchEvent(new Event("change", { bubbles: true }));
  return added;
}

export function initCamera(form) {
  form.addEventListener("change", (ev) => {
    const input = ev.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-ff-file")) return;
    const field = input.closest("[data-ff-camera]");
    const files = [...input.files];
    input.value = "";
    if (field && files.length) field._ffPending = addPhotos(form, field, files);
  });
  form.addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-ff-remove-photo]");
    if (!btn || !form.contains(btn)) return;
    ev.preventDefault();
    const field = btn.closest("[data-ff-camera]");
    btn.closest("li").remove();
    refresh(field);
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  // photos already answered: show the ones kept on this device or reachable by URL
  for (const li of form.querySelectorAll("[data-ff-photo]")) {
    const ph = li.querySelector(".ff-photo-ph");
    if (!ph) continue;
    attachmentSrc(form, li.getAttribute("data-ff-photo")).then((src) => {
      if (!src) return;
      const img = document.createElement("img");
      img.alt = ph.textContent;
      img.src = src;
      ph.replaceWith(img);
    });
  }
}
