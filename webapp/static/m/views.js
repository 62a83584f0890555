// HTML of the screens, from plain data. Every text from the server goes through esc().

export const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const TZ = "Europe/Paris";
const fmt = (opts) => new Intl.DateTimeFormat("fr-FR", { timeZone: TZ, ...opts });
const DAY = fmt({ weekday: "long", day: "numeric", month: "long" });
const DATE = fmt({ day: "numeric", month: "long", year: "numeric" });
const HOUR = fmt({ hour: "2-digit", minute: "2-digit" });
const KEY = fmt({ year: "numeric", month: "2-digit", day: "2-digit" });

export const dayKey = (iso) => KEY.format(new Date(iso)).split("/").reverse().join("-");
export const hours = (iso) => HOUR.format(new Date(iso)).replace(":", "h");

export function duration(minutes) {
  const m = Math.max(0, Math.round(minutes));
  const h = Math.floor(m / 60);
  return h ? `${h}h${m % 60 ? String(m % 60).padStart(2, "0") : ""}` : `${m} min`;
}

export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n) => String(n).padStart(2, "0");
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}

function dayTitle(key) {
  const today = dayKey(new Date().toISOString());
  const tomorrow = dayKey(new Date(Date.now() + 864e5).toISOString());
  const label = DAY.format(new Date(`${key}T12:00:00Z`));
  return key === today ? `Aujourd'hui — ${label}` : key === tomorrow ? `Demain — ${label}` : label[0].toUpperCase() + label.slice(1);
}

export function address(c) {
  return [c.address, [c.postcode, c.city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
}

export function mapsUrl(c) {
  if (c.lat != null && c.lon != null) return `geo:${c.lat},${c.lon}?q=${c.lat},${c.lon}(${encodeURIComponent(c.name)})`;
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address(c))}`;
}

const telUrl = (p) => `tel:${String(p).replace(/[^0-9+]/g, "")}`;

function contact(c) {
  const links = [];
  if (address(c)) links.push(`<a class="chip" href="${esc(mapsUrl(c))}" data-link="map">➤ ${esc(address(c))}</a>`);
  if (c.phone) links.push(`<a class="chip" href="${esc(telUrl(c.phone))}">☎ ${esc(c.phone)}</a>`);
  if (c.email) links.push(`<a class="chip" href="mailto:${esc(c.email)}">✉ ${esc(c.email)}</a>`);
  return `<div class="contact">${links.join("")}</div>`;
}

export function statusOf(iv, cfg) {
  const key = (iv.local && iv.local.status) || iv.status;
  const st = (cfg.statuses || []).find((s) => s.key === key);
  return st || { key, label: iv.status_label, color: iv.status_color, state: iv.state };
}

function pill(st, closed) {
  return `<span class="pill" style="--c:${esc(st.color)}">${esc(st.label)}</span>${closed ? '<span class="pill closed">Clôturée</span>' : ""}`;
}

export function dayList(ivs, cfg, marks) {
  if (!ivs.length) return `<p class="empty">Aucune intervention prévue aujourd'hui ni les jours suivants.</p>`;
  const groups = new Map();
  for (const iv of [...ivs].sort((a, b) => a.start_at.localeCompare(b.start_at))) {
    const k = dayKey(iv.start_at);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(iv);
  }
  let html = "";
  for (const [k, list] of groups) {
    html += `<h2 class="day">${esc(dayTitle(k))}</h2><ul class="cards">`;
    for (const iv of list) {
      const et = cfg.event_types[iv.event_type] || { title: iv.event_type, color: "#607d8b" };
      const st = statusOf(iv, cfg);
      const mark = marks[iv.uuid] ? `<span class="pill wait" title="Modifications en attente">⟳ ${marks[iv.uuid]}</span>` : "";
      html += `<li class="card" style="--c:${esc(st.color)}" data-iv="${esc(iv.uuid)}">
<a class="card-main" href="#/i/${esc(iv.uuid)}"><span class="when">${hours(iv.start_at)} – ${hours(iv.end_at)} · durée ${duration(iv.duration_minutes)}</span>
<strong class="client">${esc(iv.client.name)}</strong><span class="type" style="--t:${esc(et.color)}">${esc(et.title)}</span>
<span class="status">${pill(st, iv.closed)}${mark}</span></a>${contact(iv.client)}</li>`;
    }
    html += "</ul>";
  }
  return html;
}

function history(iv) {
  const row = (h) => `<li><span>${esc(DATE.format(new Date(`${h.date}T12:00:00Z`)))}</span> ${esc(h.type)} <span class="pill" style="--c:${esc(h.color)}">${esc(h.status)}</span></li>`;
  if (!iv.history.length && !iv.upcoming.length) return "";
  return `<details class="block"><summary>Historique et à venir du client</summary>
${iv.history.length ? `<h3>Historique</h3><ul class="hist">${iv.history.map(row).join("")}</ul>` : ""}
${iv.upcoming.length ? `<h3>À venir</h3><ul class="hist">${iv.upcoming.map(row).join("")}</ul>` : ""}</details>`;
}

const ACTION_LABELS = { start: "▶ Démarrer", pause: "❚❚ Pause", resume: "▶ Reprendre", finish: "✔ Terminer", navigate: "➤ Itinéraire", call: "☎ Appeler", send_report: "✉ Envoyer le rapport", back_to_confirmed: "↩ Repasser en confirmé" };

export function interventionView(iv, ctx) {
  const { cfg, et, st, forms, problems, actions, timer, readonlyReason } = ctx;
  const c = iv.client;
  const formItems = forms.map((f) => `<li><a class="form-link" href="#/i/${esc(iv.uuid)}/f/${esc(f.form_id)}">
<span class="mark ${f.mark}" aria-label="${esc(f.markLabel)}">${f.mark === "done" ? "✔" : f.mark === "draft" ? "✎" : f.mark === "error" ? "!" : "○"}</span>
<span>${esc(f.title)}<small>${esc(f.markLabel)}</small></span></a></li>`).join("");
  const buttons = actions.map((a) => a.href
    ? `<a class="btn action" href="${esc(a.href)}" data-action="${a.key}">${ACTION_LABELS[a.key]}</a>`
    : `<button type="button" class="btn action${a.key === "finish" || a.key === "start" ? " primary" : ""}" data-action="${a.key}">${ACTION_LABELS[a.key]}</button>`).join("");
  return `<section class="banner" style="--c:${esc(st.color)}"><span>${esc(st.label)}</span>${iv.closed ? "<span>· Clôturée par le bureau</span>" : ""}</section>
<a class="back" href="#/">← Mes interventions</a>
<h1 class="iv-title">${esc(et.title)}</h1>
<p class="meta">${esc(DATE.format(new Date(iv.start_at)))} / ${hours(iv.start_at)} – ${hours(iv.end_at)} · durée ${duration(iv.duration_minutes)}</p>
${iv.tags.length ? `<p class="tags">${iv.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</p>` : ""}
<p class="iv-sub">${esc(iv.title)}</p>
${timer ? `<p class="timer" id="timer" data-running="${timer.running ? 1 : 0}">Chrono <span id="timer-value">${clock(timer.ms)}</span> ${timer.running ? "en cours" : "en pause"}</p>` : ""}
${readonlyReason ? `<p class="note">${esc(readonlyReason)}</p>` : ""}
${problems.map((p) => `<div class="alert" role="alert"><strong>${esc(p.title)}</strong> ${esc(p.message)}${p.errors ? `<ul>${p.errors.map((e) => `<li>${esc(e.message)}</li>`).join("")}</ul>` : ""}<small>Vos données restent sur l'appareil.</small></div>`).join("")}
<section class="block"><h2>Client</h2><p><strong>${esc(c.name)}</strong><br>${esc(address(c))}</p>${contact(c)}</section>
${iv.notes ? `<section class="block"><h2>Notes</h2><p>${esc(iv.notes)}</p></section>` : ""}
${history(iv)}
<section class="block"><h2>Intervenants</h2><p>${iv.technicians.map(esc).join(", ")}${iv.store ? `<br>Magasin : ${esc(iv.store)}` : ""}</p></section>
<section class="block"><h2>Formulaires</h2><ul class="forms">${formItems || "<li>Aucun formulaire pour ce type.</li>"}</ul></section>
<nav class="actions">${buttons}</nav>`;
}

export function formScreen(iv, f, readonly) {
  return `<a class="back" href="#/i/${esc(iv.uuid)}">← ${esc(iv.client.name)}</a>
<h1 class="iv-title">${esc(f.title)}</h1>
${readonly ? `<p class="note">${esc(readonly)}</p>` : ""}
<fieldset class="form-host" id="form-host"${readonly ? " disabled" : ""}><p class="empty">Chargement du formulaire…</p></fieldset>
<p class="saved" id="saved" aria-live="polite"></p>
${readonly ? "" : `<nav class="actions"><button type="button" class="btn primary wide" data-action="save-form">Enregistrer le formulaire</button></nav>`}`;
}

function picker(name, label, value) {
  const h = Math.floor((value || 0) / 60);
  const m = (value || 0) % 60;
  const hs = Array.from({ length: 13 }, (_, i) => `<option${i === h ? " selected" : ""}>${i}</option>`).join("");
  const ms = Array.from({ length: 12 }, (_, i) => i * 5).map((i) => `<option${i === m - (m % 5) ? " selected" : ""}>${i}</option>`).join("");
  return `<fieldset class="picker"><legend>${label}</legend><label><select name="${name}_h" aria-label="${label} (heures)">${hs}</select> h</label><label><select name="${name}_m" aria-label="${label} (minutes)">${ms}</select> min</label></fieldset>`;
}

export function timeDialog(mode, planned, travel) {
  return `<form method="dialog" class="dialog-body"><h2>Temps passé</h2>
${mode === "manual" ? picker("duration", "Durée de l'intervention", planned) : ""}
${travel ? picker("travel", "Temps de trajet", 0) : ""}
<div class="row"><button class="btn" value="cancel">Annuler</button><button class="btn primary" value="ok">Valider</button></div></form>`;
}
