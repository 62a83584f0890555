// The phone's texts, French first, English too. The language: the one the user chose with
// the back office's switch (sent by /api/v1/sync/session, kept here for offline starts),
// else the device's (navigator.language), else French. Every API call says it in
// Accept-Language, so that the server's reasons come in the same language.

const fr = {
  today: "Aujourd'hui — {d}", tomorrow: "Demain — {d}", closed: "Clôturée", closed_by_office: "· Clôturée par le bureau",
  no_interventions: "Aucune intervention prévue aujourd'hui ni les jours suivants.", earlier_days: "Jours précédents", pending_title: "Modifications en attente",
  duration: "durée {d}", titled: "{t} :", history_title: "Historique et à venir du client", history: "Historique", upcoming: "À venir",
  a_start: "▶ Démarrer", a_pause: "❚❚ Pause", a_resume: "▶ Reprendre", a_finish: "✔ Terminer", a_navigate: "➤ Itinéraire", a_call: "☎ Appeler",
  a_send_report: "✉ Envoyer le rapport", a_back_to_confirmed: "↩ Repasser en confirmé",
  my_interventions: "Mes interventions", back_list: "← Mes interventions", timer: "Chrono", running: "en cours", paused: "en pause",
  data_kept: "Vos données restent sur l'appareil.", office_state_shown: "L'appareil affiche de nouveau l'état connu du bureau.", dismiss: "J'ai compris", client: "Client", notes: "Notes", technicians: "Intervenants", store: "Magasin : {s}",
  forms: "Formulaires", no_forms: "Aucun formulaire pour ce type.", loading: "Chargement…", loading_form: "Chargement du formulaire…",
  save_form: "Enregistrer le formulaire", hours_of: "{l} (heures)", minutes_of: "{l} (minutes)", h: "h", min: "min",
  time_spent: "Temps passé", work_duration: "Durée de l'intervention", travel_time: "Temps de trajet", cancel: "Annuler", ok: "Valider",
  ro_unknown: "Connectez-vous au réseau une fois : le serveur dira ce que vous pouvez modifier.",
  server_refused: "Le serveur a refusé cette modification : il a échoué plusieurs fois à l'enregistrer. Vos données restent sur l'appareil.",
  t_answers: "Formulaire refusé", t_start: "« Démarrer » refusé", t_pause: "« Pause » refusée", t_resume: "« Reprendre » refusé",
  t_finish: "« Terminer » refusé", t_back_to_confirmed: "« Repasser en confirmé » refusé", t_send_report: "Envoi du rapport refusé",
  t_time: "Temps refusé", t_transition: "Changement d'état refusé", t_other: "Refusé", t_conflict: "Conflit",
  m_todo: "À remplir", m_refused: "Refusé par le serveur", m_conflict: "Conflit : à résoudre", m_draft: "Brouillon (non enregistré)",
  m_queued: "Enregistré — en attente d'envoi", m_saved: "Enregistré",
  conflict_office: "Le bureau a enregistré une autre version de ce formulaire (version {v}).",
  keep_mine: "Garder ma version", take_office: "Prendre la version du bureau",
  take_office_q: "Prendre la version du bureau ?", take_office_p: "Vos réponses à ce formulaire sur l'appareil seront remplacées par celles du bureau.",
  gone: "Cette intervention n'est plus sur l'appareil.", form_missing: "Ce formulaire n'est pas encore sur l'appareil : connectez-vous au réseau une fois.",
  draft_kept: "Brouillon gardé sur l'appareil", saved: "Enregistré", draft_required: "Brouillon gardé : complétez les champs obligatoires.",
  finish_q: "Terminer l'intervention ?", finish_p: "Elle passera en « Réalisé ».", finish: "Terminer", report_asked: "Envoi du rapport demandé",
  pending: (p) => `${p.n} modification${p.n > 1 ? "s" : ""} en attente`, pending_send: (p) => `${p.n} modification${p.n > 1 ? "s" : ""} en attente d'envoi`,
  offline: "Hors ligne — {w}", offline_all: "Hors ligne — tout est sur l'appareil",
  expired: "Session expirée : reconnectez-vous pour envoyer vos modifications.", syncing: "Synchronisation…", syncing_n: "Synchronisation… ({w})",
  unreachable: "Serveur injoignable : nouvel essai dans un instant.", synced_at: "Synchronisé à {h}", synced: "Synchronisé", login: "Se connecter",
  first_login: "Connectez-vous une première fois avec du réseau.", remove: "Retirer", photo: "Photo", signed_by: "Signé par {n}",
  storage_refused: "Le navigateur ne garantit pas de garder les données hors ligne s'il manque de place : ajoutez l'appli à l'écran d'accueil et synchronisez dès que possible.",
  held_title: "Ce téléphone garde les modifications de {name}",
  held_text: (p) => `${p.n} modification${p.n > 1 ? "s" : ""} de ${p.name} n'${p.n > 1 ? "ont" : "a"} pas encore été envoyée${p.n > 1 ? "s" : ""}. Rien n'est envoyé ni affiché sous votre compte : ${p.name} doit se reconnecter sur ce téléphone pour les envoyer.`,
  held_banner: "En attente de {name} : rien n'est synchronisé", sign_out: "Se déconnecter",
  equipment: "Équipement", eq_serial: "N° de série", eq_fuel: "Énergie", eq_installed: "Installé le", eq_warranty: "Garantie jusqu'au",
  eq_warranty_valid: "Sous garantie jusqu'au", eq_next: "Prochain entretien",
};

const en = {
  today: "Today — {d}", tomorrow: "Tomorrow — {d}", closed: "Closed", closed_by_office: "· Closed by the office",
  no_interventions: "No intervention planned today or in the coming days.", earlier_days: "Earlier days", pending_title: "Changes waiting",
  duration: "{d}", titled: "{t}:", history_title: "Client's history and coming visits", history: "History", upcoming: "Coming",
  a_start: "▶ Start", a_pause: "❚❚ Pause", a_resume: "▶ Resume", a_finish: "✔ Finish", a_navigate: "➤ Directions", a_call: "☎ Call",
  a_send_report: "✉ Send the report", a_back_to_confirmed: "↩ Back to confirmed",
  my_interventions: "My interventions", back_list: "← My interventions", timer: "Timer", running: "running", paused: "paused",
  data_kept: "Your data stays on the device.", office_state_shown: "The device shows the office's state again.", dismiss: "Got it", client: "Client", notes: "Notes", technicians: "Technicians", store: "Store: {s}",
  forms: "Forms", no_forms: "No form for this type.", loading: "Loading…", loading_form: "Loading the form…",
  save_form: "Save the form", hours_of: "{l} (hours)", minutes_of: "{l} (minutes)", h: "h", min: "min",
  time_spent: "Time spent", work_duration: "Duration of the intervention", travel_time: "Travel time", cancel: "Cancel", ok: "OK",
  ro_unknown: "Connect to the network once: the server will say what you may change.",
  server_refused: "The server refused this change: it failed to save it several times. Your data stays on the device.",
  t_answers: "Form refused", t_start: "“Start” refused", t_pause: "“Pause” refused", t_resume: "“Resume” refused",
  t_finish: "“Finish” refused", t_back_to_confirmed: "“Back to confirmed” refused", t_send_report: "Report sending refused",
  t_time: "Time refused", t_transition: "Status change refused", t_other: "Refused", t_conflict: "Conflict",
  m_todo: "To fill in", m_refused: "Refused by the server", m_conflict: "Conflict: to resolve", m_draft: "Draft (not saved)",
  m_queued: "Saved — waiting to be sent", m_saved: "Saved",
  conflict_office: "The office saved another version of this form (version {v}).",
  keep_mine: "Keep my version", take_office: "Take the office's version",
  take_office_q: "Take the office's version?", take_office_p: "Your answers to this form on the device will be replaced by the office's.",
  gone: "This intervention is no longer on the device.", form_missing: "This form is not on the device yet: connect to the network once.",
  draft_kept: "Draft kept on the device", saved: "Saved", draft_required: "Draft kept: fill in the required fields.",
  finish_q: "Finish the intervention?", finish_p: "It will become “Done”.", finish: "Finish", report_asked: "Report sending requested",
  pending: (p) => `${p.n} change${p.n > 1 ? "s" : ""} waiting`, pending_send: (p) => `${p.n} change${p.n > 1 ? "s" : ""} waiting to be sent`,
  offline: "Offline — {w}", offline_all: "Offline — everything is on the device",
  expired: "Session expired: sign in again to send your changes.", syncing: "Syncing…", syncing_n: "Syncing… ({w})",
  unreachable: "Server unreachable: trying again in a moment.", synced_at: "Synced at {h}", synced: "Synced", login: "Sign in",
  first_login: "Sign in once with a network connection.", remove: "Remove", photo: "Photo", signed_by: "Signed by {n}",
  storage_refused: "The browser does not promise to keep offline data when space runs low: add the app to your home screen and sync as soon as you can.",
  held_title: "This phone keeps {name}'s changes",
  held_text: (p) => `${p.n} change${p.n > 1 ? "s" : ""} by ${p.name} ${p.n > 1 ? "have" : "has"} not been sent yet. Nothing is sent or shown under your account: ${p.name} must sign in again on this phone to send ${p.n > 1 ? "them" : "it"}.`,
  held_banner: "Waiting for {name}: nothing is synced", sign_out: "Sign out",
  equipment: "Equipment", eq_serial: "Serial number", eq_fuel: "Fuel", eq_installed: "Installed on", eq_warranty: "Warranty until",
  eq_warranty_valid: "Under warranty until", eq_next: "Next maintenance",
};

const CATALOGUES = { fr, en };
const KEY = "ff-lang"; // the user's choice from the server, for offline starts

const pick = (l) => {
  const two = String(l || "").slice(0, 2).toLowerCase();
  return two in CATALOGUES ? two : null;
};

function preference() {
  try { return localStorage.getItem(KEY); } catch (e) { return null; }
}

export let lang = pick(preference()) || pick(navigator.language) || "fr";
document.documentElement.lang = lang;

/** The user's choice as the server says (null: none); true when the language changed. */
export function setPreference(choice) {
  try {
    if (pick(choice)) localStorage.setItem(KEY, pick(choice));
    else localStorage.removeItem(KEY);
  } catch (e) { /* private mode: this session only */ }
  const next = pick(choice) || pick(navigator.language) || "fr";
  const changed = next !== lang;
  lang = next;
  document.documentElement.lang = lang;
  return changed;
}

/** The text of `key`, its {placeholders} filled from `params`. */
export function t(key, params = {}) {
  const v = CATALOGUES[lang][key] ?? fr[key] ?? key;
  return typeof v === "function" ? v(params) : v.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));
}

