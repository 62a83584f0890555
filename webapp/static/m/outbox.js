// The one writer of what the device changes: drafts, the outbox of operations, the refused
// operations, the uploads, and the interventions' local part (status and timer changed
// here), and the only place where a pull's answer is laid over them. Each function is one
// IndexedDB transaction covering its reads and its writes (store.transact): two of them
// never interleave, so a save made while the sync reads the outbox, sends it or applies a
// pull lands wholly before or wholly after, never in between.
//
// The rules that make "no save is ever lost" hold:
// - an operation not sent yet takes a newer save of the same form (same id); once sent
//   (marked so in the transaction that reads it for sending: takeBatch) it is never changed
//   again, and a newer save becomes a later operation. It carries the version the
//   technician's screen was based on; the server chains it on the result of this device's
//   earlier operations (webapp/sync/ops.py), so it is based on the newer version;
// - an operation leaves the outbox only by the server's answer to that very operation;
// - a pull lays the server's answers over a form only when the device has no change of it
//   (no draft being typed, no operation waiting or on its way, no refusal to resolve) and
//   the server's version is not older than the one the device holds.

import { draftKey, nextSeq, transact } from "./store.js";

const FORM_OPS = ["answers", "discard"]; // not status changes
const CHANGES = ["drafts", "outbox", "rejected"];
const HISTORY_ITEMS = 5; // visits shown before and after an intervention: the server's (webapp/sync/pull.py)
const now = () => new Date().toISOString();
const sameForm = (o, iv, formId) => o.type === "answers" && o.intervention === iv && o.form_id === formId;
const answersOf = (r, iv, formId) => r.intervention === iv && r.op.type === "answers" && r.op.form_id === formId;

function newOp(op) {
  return { id: crypto.randomUUID(), at: now(), ...op, seq: nextSeq(), attempts: 0 };
}

/** What the technician typed, kept as a draft (`dirty`: not saved with the button). */
export function saveDraft({ iv, formId, formHash, data, prefilled, base, dirty }) {
  const key = draftKey(iv, formId);
  return transact(["drafts"], "readwrite", async (t) => {
    const old = (await t.get("drafts", key)) || {};
    const draft = { ...old, key, intervention: iv, form_id: formId, form_hash: formHash, data, prefilled: prefilled || [], base_version: base, dirty, saved: !dirty || !!old.saved, updated: now() };
    await t.put("drafts", draft);
    return draft;
  });
}

/** A form saved with the button: the draft and its operation, together. The operation not
 *  sent yet of that form takes the new answers; otherwise (none, or sent already: its
 *  answer may be on its way back) a new one follows it. */
export function saveAnswers({ iv, formId, formHash, data, prefilled, base }) {
  const key = draftKey(iv, formId);
  return transact(["drafts", "outbox"], "readwrite", async (t) => {
    const waiting = (await t.all("outbox")).find((o) => sameForm(o, iv, formId) && !o.attempts);
    const op = waiting
      ? { ...waiting, data, prefilled: prefilled || [], form_hash: formHash, at: now() }
      : newOp({ type: "answers", intervention: iv, form_id: formId, form_hash: formHash, data, prefilled: prefilled || [], base_version: base });
    await t.put("outbox", op);
    const old = (await t.get("drafts", key)) || {};
    await t.put("drafts", { ...old, key, intervention: iv, form_id: formId, form_hash: formHash, data, prefilled: prefilled || [], base_version: base, dirty: false, saved: true, op: op.id, updated: now() });
    return op;
  });
}

/** A change of the intervention (start, pause, finish...): `change(iv)` sets its local
 *  part from the intervention as stored now, and the operation is queued with it (based on
 *  the version the technician saw, else the one stored). */
export function queueAction(uuid, op, change) {
  return transact(["interventions", "outbox"], "readwrite", async (t) => {
    const iv = await t.get("interventions", uuid);
    if (!iv) return null;
    iv.local = iv.local || {};
    change(iv);
    await t.put("interventions", iv);
    const full = newOp({ ...op, base_version: op.base_version ?? iv.version });
    await t.put("outbox", full);
    return full;
  });
}

/** The next operations to send (after sequence `afterSeq`, in order), marked as sent in
 *  the same transaction: from now on a save of their form makes a new operation. */
export function takeBatch(afterSeq, size) {
  return transact(["outbox"], "readwrite", async (t) => {
    const batch = (await t.all("outbox")).filter((o) => o.seq > afterSeq).sort((a, b) => a.seq - b.seq).slice(0, size);
    for (const op of batch) {
      op.attempts += 1;
      await t.put("outbox", op);
    }
    return batch;
  });
}

/** The server's results of a sent batch: applied ones leave the outbox (and resolve the
 *  device's earlier refusals they supersede), refused and conflicting ones are kept with
 *  the reason, "retry" ones stay to be sent again. Returns how many are to retry. */
export function settle(batch, results) {
  return transact(CHANGES, "readwrite", async (t) => {
    let retry = 0;
    for (const r of results) {
      const op = batch.find((o) => o.id === r.id);
      if (!op) continue;
      const status = r.status === "duplicate" ? r.original : r.status;
      if (status === "applied") {
        await t.del("outbox", op.id);
        await clearRejected(t, op);
        if (op.type === "answers") await synced(t, op, r.version);
      } else if (status === "refused" || status === "conflict") {
        await t.del("outbox", op.id);
        await t.put("rejected", { id: op.id, op, result: { ...r, status }, intervention: op.intervention, at: now() });
      } else {
        retry += 1;
      }
    }
    return retry;
  });
}

/** A push the server failed on (not down, not busy): one more failure for each operation
 *  sent; one that reached `giveUpAfter` leaves the outbox for the refused ones, with its
 *  data and `result(op)` as the reason, so that it no longer holds the others back. */
export function serverFailed(batch, giveUpAfter, result) {
  return transact(["outbox", "rejected"], "readwrite", async (t) => {
    for (const sent of batch) {
      const op = await t.get("outbox", sent.id);
      if (!op) continue;
      op.failures = (op.failures || 0) + 1;
      if (op.failures < giveUpAfter) {
        await t.put("outbox", op);
      } else {
        await t.del("outbox", op.id);
        await t.put("rejected", { id: op.id, op, result: result(op), intervention: op.intervention, at: now() });
      }
    }
  });
}

/** The draft holding exactly what an applied operation sent now knows its version. */
async function synced(t, op, version) {
  const key = draftKey(op.intervention, op.form_id);
  const draft = await t.get("drafts", key);
  if (!draft || draft.op !== op.id || typeof version !== "number") return;
  await t.put("drafts", { ...draft, base_version: Math.max(version, draft.base_version || 0), server_version: Math.max(version, draft.server_version || 0) });
}

async function clearRejected(t, op) {
  for (const r of await t.all("rejected")) {
    if (r.intervention !== op.intervention) continue;
    let same;
    if (op.type === "discard") same = r.op.type === "answers" && r.op.form_id === op.form_id && (r.op.seq || 0) < op.seq; // resolved by it
    else if (op.type === "answers") same = r.op.type === "answers" && r.op.form_id === op.form_id;
    else same = r.op.type !== "answers";
    if (same) await t.del("rejected", r.id);
  }
}

/** Operations not sent yet of a form, folded into the one being made. */
async function dropWaiting(t, iv, formId) {
  for (const o of await t.all("outbox")) if (sameForm(o, iv, formId) && !o.attempts) await t.del("outbox", o.id);
}

/** "Keep my version" of a form the server refused or found in conflict: the device's
 *  answers go again, as a new operation based on the server's current version. */
export function keepMine(iv, formId) {
  const key = draftKey(iv.uuid, formId);
  return transact(CHANGES, "readwrite", async (t) => {
    const mine = (await t.all("rejected")).filter((r) => answersOf(r, iv.uuid, formId)).sort((a, b) => (a.op.seq || 0) - (b.op.seq || 0));
    const last = mine[mine.length - 1];
    const draft = await t.get("drafts", key);
    const sub = iv.submissions[formId];
    const base = Math.max(sub ? sub.version : 0, (last && last.result.server_version) || 0, (draft && draft.server_version) || 0);
    const data = draft ? draft.data : last && last.op.data;
    if (!data) return null;
    const formHash = (draft && draft.form_hash) || (last && last.op.form_hash);
    await dropWaiting(t, iv.uuid, formId);
    for (const r of mine) await t.del("rejected", r.id);
    const op = newOp({ type: "answers", intervention: iv.uuid, form_id: formId, form_hash: formHash, data, base_version: base });
    await t.put("outbox", op);
    await t.put("drafts", { ...(draft || {}), key, intervention: iv.uuid, form_id: formId, form_hash: formHash, data, base_version: base, server_version: base, dirty: false, saved: true, op: op.id });
    return op;
  });
}

/** "Take the office's version": the device's answers of that form are dropped for the
 *  server's (or none, when the server has none), and the server is told (a "discard"
 *  operation), so that the back office sees the refusal or conflict resolved. */
export function takeOffice(iv, formId) {
  const key = draftKey(iv.uuid, formId);
  const sub = iv.submissions[formId];
  return transact(CHANGES, "readwrite", async (t) => {
    for (const r of (await t.all("rejected")).filter((x) => answersOf(x, iv.uuid, formId))) await t.del("rejected", r.id);
    await dropWaiting(t, iv.uuid, formId);
    if (sub) await t.put("drafts", { key, intervention: iv.uuid, form_id: formId, data: sub.data, form_hash: sub.form_hash, base_version: sub.version, server_version: sub.version, saved: true, dirty: false });
    else await t.del("drafts", key);
    const op = newOp({ type: "discard", intervention: iv.uuid, form_id: formId, base_version: sub ? sub.version : 0 });
    await t.put("outbox", op);
    return op;
  });
}

/** A refused change of status or time, acknowledged by the technician. */
export const dismiss = (id) => transact(["rejected"], "readwrite", (t) => t.del("rejected", id));

export const queueUpload = (id, iv) => transact(["uploads"], "readwrite", (t) => t.put("uploads", { id, intervention: iv, state: "queued", created: now() }));

/** How an upload went (`patch`: its new state, and why when it failed). */
export function markUpload(id, patch) {
  return transact(["uploads"], "readwrite", async (t) => {
    const up = await t.get("uploads", id);
    if (up) await t.put("uploads", { ...up, ...patch });
  });
}

/** A pull's answer laid over the device's data, in one transaction with the outbox and
 *  drafts it must not overwrite; the cursor is kept with it (a pull not applied is asked
 *  again). */
export function applyPull(body) {
  return transact(["interventions", ...CHANGES, "kv"], "readwrite", async (t) => {
    const ops = await t.all("outbox");
    const rejected = await t.all("rejected");
    for (const iv of body.interventions) {
      const old = await t.get("interventions", iv.uuid);
      const mine = ops.filter((o) => o.intervention === iv.uuid);
      const local = { ...((old && old.local) || {}) };
      const segments = iv.time && iv.time.segments;
      if (!mine.some((o) => !FORM_OPS.includes(o.type))) {
        // nothing of the device's is on its way: the server's status, timer and rights are
        // the truth again (a start the server refused leaves no timer running on the phone)
        delete local.status;
        delete local.after;
        if (segments) local.timer = segments;
      } else if (!local.timer && segments && segments.length) local.timer = segments; // a new phone
      // its client's history comes in body.clients (below); until then, the one it had
      await t.put("interventions", { ...iv, history: (old && old.history) || [], upcoming: (old && old.upcoming) || [], local });
      for (const [formId, sub] of Object.entries(iv.submissions)) {
        const key = draftKey(iv.uuid, formId);
        const draft = await t.get("drafts", key);
        const busy = mine.some((o) => o.type === "answers" && o.form_id === formId) || rejected.some((r) => r.intervention === iv.uuid && r.op.form_id === formId);
        if (draft && (draft.dirty || busy || (draft.base_version || 0) > sub.version)) {
          // the technician's version stays; the server's version is known
          if ((draft.server_version || 0) < sub.version) await t.put("drafts", { ...draft, server_version: sub.version });
          continue;
        }
        await t.put("drafts", { key, intervention: iv.uuid, form_id: formId, data: sub.data, form_hash: sub.form_hash, base_version: sub.version, server_version: sub.version, saved: true, dirty: false });
      }
    }
    // a client's history is sent once per client, and again when it changed: kept per
    // client, each intervention on the device gets the visits before and after it (as many
    // as the server's HISTORY_ITEMS)
    const clients = { ...((await t.get("kv", "clients")) || {}), ...(body.clients || {}) };
    for (const iv of await t.all("interventions")) {
      const visits = clients[String(iv.client_id)];
      if (!visits) continue;
      const at = Date.parse(iv.start_at);
      const others = visits.filter((h) => h.uuid !== iv.uuid);
      const history = others.filter((h) => Date.parse(h.start_at) < at).slice(-HISTORY_ITEMS).reverse();
      const upcoming = others.filter((h) => Date.parse(h.start_at) > at).slice(0, HISTORY_ITEMS);
      await t.put("interventions", { ...iv, history, upcoming });
    }
    const keep = new Set(body.ids);
    for (const iv of await t.all("interventions")) {
      if (!keep.has(iv.uuid) && !ops.some((o) => o.intervention === iv.uuid) && !rejected.some((r) => r.intervention === iv.uuid)) await t.del("interventions", iv.uuid);
    }
    const held = new Set((await t.all("interventions")).map((iv) => String(iv.client_id)));
    await t.put("kv", Object.fromEntries(Object.entries(clients).filter(([id]) => held.has(id))), "clients");
    if (body.config) await t.put("kv", body.config, "config"); // sent when it changed
    await t.put("kv", body.user, "user");
    const known = (await t.get("kv", "forms")) || {};
    await t.put("kv", { ...known, ...body.forms }, "forms");
    await t.put("kv", body.cursor, "cursor");
  });
}

const countUnsent = async (t) => {
  const [ops, ups, rejected, drafts] = [await t.all("outbox"), await t.all("uploads"), await t.all("rejected"), await t.all("drafts")];
  return ops.length + ups.filter((u) => u.state === "queued").length + rejected.length + drafts.filter((d) => d.dirty).length;
};
const HELD = ["outbox", "uploads", "rejected", "drafts"];

/** What the device's technician has not sent yet (owner.js): operations waiting, photos to
 *  upload, refusals to look at, drafts typed and not saved. */
export const unsent = () => transact(HELD, "readonly", countUnsent);

/** Another technician signs in (owner.js): the device starts afresh, in one transaction
 *  that first checks nothing is unsent (then nothing is touched, and the count returned).
 *  0: the previous technician's copy of their day is gone. */
export function forgetHolder() {
  const keyed = { interventions: "uuid", drafts: "key", outbox: "id", rejected: "id", uploads: "id" };
  return transact([...Object.keys(keyed), "kv"], "readwrite", async (t) => {
    const n = await countUnsent(t);
    if (n) return n;
    for (const [name, key] of Object.entries(keyed)) for (const row of await t.all(name)) await t.del(name, row[key]);
    for (const key of ["cursor", "config", "clients", "forms", "last", "user"]) await t.del("kv", key);
    return 0;
  });
}
