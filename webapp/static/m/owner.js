// Whose work is on this phone. The device's data (interventions, drafts, the outbox, refused
// changes, photos to upload) belong to the technician who last synced. When a session ends
// (logout, a password reset: the server answers 401) the data stay; they are sent when the
// SAME technician signs in again. Another technician signing in on this phone meanwhile
// sends nothing of it and sees none of it: the app says whose changes wait and offers to
// sign out. Once nothing of the previous technician is left to send, the next one's sign-in
// starts the device afresh. (The device's data change through outbox.js only.)

import * as store from "./store.js";
import { forgetHolder } from "./outbox.js";

let csrf = null;

/** May the signed-in `who` (the server's /sync/session answer) sync on this device?
 *  `{ok: true}` (the same technician, a first one, or a new one once nothing waits), or
 *  `{ok: false, holder, unsent}`: another technician's changes wait here. */
export async function admit(who) {
  csrf = who.csrf_token;
  const holder = await store.get("kv", "user");
  if (!holder || holder.id === who.user.id) return { ok: true };
  const unsent = await forgetHolder();
  return unsent ? { ok: false, holder, unsent } : { ok: true };
}

/** Sign the current (other) technician out, so that the holder can sign in. */
export async function signOut(logoutUrl) {
  await fetch(logoutUrl, { method: "POST", credentials: "same-origin", headers: csrf ? { "X-CSRFToken": csrf } : {}, redirect: "manual" });
}
