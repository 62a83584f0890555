// What a form opens with on the phone, and which of its fields show as prefilled: the
// technician's draft (with the fields still unconfirmed in it), else the server's answers
// (with the defaults they lack: `opening`), else, for a form not answered yet, the prefill
// the server worked out for it (webapp/services/prefill.py) — only for the form version it
// was made for. The phone derives no prefill itself.

export function opening(iv, f, draft) {
  const sub = iv.submissions[f.form_id];
  const pre = iv.prefill && iv.prefill[f.form_id];
  const sources = (pre && pre.sources) || {}; // which source each prefilled field's value came from
  if (draft) return { data: draft.data, prefilled: draft.prefilled || [], sources };
  if (sub) return { data: sub.opening || sub.data, prefilled: [], sources };
  if (pre && pre.content_hash === f.content_hash) return { data: pre.data, prefilled: pre.pointers || [], sources };
  return { data: null, prefilled: [], sources };
}
