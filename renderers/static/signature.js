// Signature pads (szimek/signature_pad, vendored by `make assets`): drawing makes a PNG kept
// under a UUID made here; the answer gets that id, the signer's name and the time.

import { saveAttachment, uuid } from "./attachments.js";
import { datetimeToLocal } from "./values.js";

let SignaturePadClass = null;
async function loadPad() {
  if (!SignaturePadClass) {
    const mod = await import("./vendor/signature_pad/signature_pad.js");
    SignaturePadClass = mod.default;
  }
  return SignaturePadClass;
}

/** Now on the company's wall clock (the form's data-ff-tz), whatever the device's zone:
 *  the datetime-local value the codec reads back as this instant. */
const localNow = (form) => datetimeToLocal(new Date().toISOString(), form.getAttribute("data-ff-tz") || undefined);

function dataUrlToBlob(url) {
  const [head, b64] = url.split(",");
  const type = /data:([^;]+)/.exec(head)[1];
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type });
}

function sizeCanvas(canvas, pad) {
  const ratio = Math.max(window.devicePixelRatio || 1, 1);
  const width = canvas.offsetWidth || 320;
  const height = canvas.offsetHeight || 160;
  const data = pad && !pad.isEmpty() ? pad.toData() : null;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.getContext("2d").scale(ratio, ratio);
  if (pad) {
    pad.clear();
    if (data) pad.fromData(data);
  }
}

export async function initSignature(form, field) {
  if (field._ffPad) return field._ffPad;
  const canvas = field.querySelector("[data-ff-sig-canvas]");
  if (!canvas) return null;
  const SignaturePad = await loadPad();
  sizeCanvas(canvas, null);
  const pad = new SignaturePad(canvas, { backgroundColor: "rgb(255, 255, 255)", penColor: "rgb(20, 30, 90)" });
  field._ffPad = pad;
  const attachment = field.querySelector("[data-ff-sig-attachment]");
  const signedAt = field.querySelector("[data-ff-sig-at]");
  const current = field.querySelector("[data-ff-sig-current]");
  let id = null;
  pad.addEventListener("endStroke", async () => {
    if (!id) id = uuid();
    const blob = dataUrlToBlob(pad.toDataURL("image/png"));
    field._ffPending = saveAttachment(form, id, blob, { field: field.getAttribute("data-ff-signature"), kind: "signature", signer: field.getAttribute("data-ff-signer") });
    await field._ffPending;
    if (attachment) attachment.value = id;
    if (signedAt) signedAt.value = localNow(form);
    if (current) current.hidden = true;
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  field.addEventListener("click", (ev) => {
    if (!ev.target.closest("[data-ff-sig-clear]")) return;
    ev.preventDefault();
    pad.clear();
    id = null;
    if (attachment) attachment.value = "";
    if (signedAt) signedAt.value = "";
    if (current) current.hidden = true;
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });
  window.addEventListener("resize", () => sizeCanvas(canvas, pad));
  return pad;
}

export function initSignatures(form, root = form) {
  const fields = [...root.querySelectorAll("[data-ff-signature]")];
  return Promise.all(fields.map((f) => initSignature(form, f).catch((e) => {
    console.error("signature pad", e);
    return null;
  })));
}
