// The form's answers as typed JSON, decoded on the device as engine/decode.py decodes a
// post on the server: the same names, the same conversions, array items in the order the
// browser sends them. Used by the rules (show/hide) and by the offline client.
//
// Fields are described by their wrappers: data-ff-field (HTML name of a leaf),
// data-ff-widget, data-ff-kind, data-ff-multiple, data-ff-choices ([[token, value]…] when
// a value is not a string) and data-ff-empty (JSON of ui:emptyValue).

const TRUE_TOKENS = new Set(["true", "on", "1", "yes"]);
const FALSE_TOKENS = new Set(["false", "off", "0", "no"]);
const INT = /^[+-]?\d+$/;
const LOCAL_DT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const NAME_TOKEN = /([^.\[\]]+)|\[(\d+)\]|\./y;

// `parts[1].qty` -> ["parts", 1, "qty"]; null when not a well-formed path (paths.from_name).
export function parseName(name) {
  const parts = [];
  let pos = 0;
  let expectName = true;
  while (pos < name.length) {
    NAME_TOKEN.lastIndex = pos;
    const m = NAME_TOKEN.exec(name);
    if (!m || m[0].length === 0) return null;
    if (m[1] !== undefined) {
      if (!expectName) return null;
      parts.push(m[1]);
      expectName = false;
    } else if (m[2] !== undefined) {
      if (expectName) return null;
      parts.push(parseInt(m[2], 10));
    } else {
      if (expectName) return null;
      expectName = true;
    }
    pos = NAME_TOKEN.lastIndex;
  }
  if (expectName && parts.length) return null;
  return parts;
}

// `/parts/1/qty` -> ["parts", 1, "qty"] (paths.from_pointer).
export function parsePointer(pointer) {
  if (pointer === "" || pointer === "#") return [];
  if (pointer.startsWith("#")) pointer = pointer.slice(1);
  return pointer.slice(1).split("/").map((raw) => {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    return /^\d+$/.test(seg) ? parseInt(seg, 10) : seg;
  });
}

const key = (path) => JSON.stringify(path);

function offsetAt(tz, t) {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  const get = (parts, k) => parseInt(parts.find((p) => p.type === k).value, 10);
  const p = fmt.formatToParts(new Date(t));
  const asUtc = Date.UTC(get(p, "year"), get(p, "month") - 1, get(p, "day"), get(p, "hour") % 24, get(p, "minute"), get(p, "second"));
  return Math.round((asUtc - t) / 60000);
}

const pad2 = (n) => String(n).padStart(2, "0");

/** An RFC 3339 instant as a datetime-local value in the form's zone (codec.datetime_to_local). */
export function datetimeToLocal(value, tz) {
  const t = Date.parse(value);
  if (Number.isNaN(t) || !/[zZ]|[+-]\d\d:?\d\d$/.test(value)) return value;
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const text = `${parts.year}-${parts.month}-${parts.day}T${pad2(parseInt(parts.hour, 10) % 24)}:${parts.minute}`;
  return parts.second !== "00" ? `${text}:${parts.second}` : text;
}

// A datetime-local value as an RFC 3339 instant in the company's zone (codec.local_to_datetime).
export function localToDatetime(text, tz) {
  const m = LOCAL_DT.exec(text);
  if (!m) return text;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] || "00"].map((x) => parseInt(x, 10));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let off = offsetAt(tz, wall);
  off = offsetAt(tz, wall - off * 60000);
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] || "00"}${sign}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
}

export function fieldSpec(wrapper) {
  if (wrapper._ffSpec) return wrapper._ffSpec;
  const choices = wrapper.getAttribute("data-ff-choices");
  const empty = wrapper.getAttribute("data-ff-empty");
  const spec = {
    name: wrapper.getAttribute("data-ff-field"),
    widget: wrapper.getAttribute("data-ff-widget"),
    kind: wrapper.getAttribute("data-ff-kind"),
    multiple: wrapper.hasAttribute("data-ff-multiple"),
    choices: choices ? new Map(JSON.parse(choices)) : null,
    empty: empty === null ? undefined : JSON.parse(empty),
  };
  spec.path = parseName(spec.name);
  wrapper._ffSpec = spec;
  return spec;
}

// One posted text as the typed answer (codec.text_to_scalar); undefined = absent.
export function textToScalar(spec, text, tz, widget) {
  if (text === "") return spec.empty;
  if (spec.choices) return spec.choices.has(text) ? spec.choices.get(text) : text;
  const kind = spec.kind === "array" ? "string" : spec.kind;
  if (kind === "boolean") {
    const t = text.toLowerCase();
    if (TRUE_TOKENS.has(t)) return true;
    if (FALSE_TOKENS.has(t)) return false;
    return text;
  }
  if (kind === "integer" || kind === "number") {
    const t = text.trim();
    const n = kind === "number" ? t.replace(",", ".") : t;
    if (INT.test(n)) return parseInt(n, 10);
    const f = t === "" ? NaN : Number(t.replace(",", "."));
    if (Number.isNaN(f)) return text;
    if (kind === "integer") return f;
    return Number.isFinite(f) ? f : text;
  }
  if ((widget || spec.widget) === "datetime") return localToDatetime(text, tz);
  return text;
}

class Posted {
  constructor(pairs) {
    this.values = new Map();
    this.suffixed = new Map();
    this.indexes = new Map();
    for (const [rawName, rawValue] of pairs) {
      if (typeof rawValue !== "string") continue; // files travel separately
      const i = rawName.indexOf(":");
      const name = i < 0 ? rawName : rawName.slice(0, i);
      const suffix = i < 0 ? "" : rawName.slice(i + 1);
      const path = parseName(name);
      if (path === null) continue;
      if (suffix) this.suffixed.set(key(path) + ":" + suffix, rawValue);
      else {
        const k = key(path);
        if (!this.values.has(k)) this.values.set(k, []);
        this.values.get(k).push(rawValue);
      }
      path.forEach((seg, j) => {
        if (typeof seg === "number") {
          const pk = key(path.slice(0, j));
          if (!this.indexes.has(pk)) this.indexes.set(pk, []);
          const seen = this.indexes.get(pk);
          if (!seen.includes(seg)) seen.push(seg);
        }
      });
    }
  }
  itemExists(path) {
    for (let j = 0; j < path.length; j++) {
      if (typeof path[j] === "number") {
        const seen = this.indexes.get(key(path.slice(0, j)));
        if (!seen || !seen.includes(path[j])) return false;
      }
    }
    return true;
  }
}

function decodeLeaf(spec, wrapper, posted, tz) {
  const path = spec.path;
  const k = key(path);
  const values = posted.values.get(k) || [];
  if (spec.widget === "signature") {
    const out = {};
    for (const part of wrapper.querySelectorAll("input[name]")) {
      const ppath = parseName(part.name);
      if (!ppath || ppath.length !== path.length + 1) continue;
      const pv = posted.values.get(key(ppath));
      if (!pv || !pv.length) continue;
      const widget = part.hasAttribute("data-ff-sig-at") ? "datetime" : "text";
      const v = textToScalar({ kind: "string", widget, choices: null, empty: undefined }, pv[pv.length - 1], tz, widget);
      if (v !== undefined) out[ppath[ppath.length - 1]] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (spec.widget === "duration") {
    const hours = (posted.suffixed.get(k + ":h") || "").trim();
    const minutes = (posted.suffixed.get(k + ":m") || "").trim();
    if (!hours && !minutes) return values.length ? textToScalar(spec, values[values.length - 1], tz) : undefined;
    if (/^\d*$/.test(hours) && /^\d*$/.test(minutes)) return parseInt(hours || "0", 10) * 60 + parseInt(minutes || "0", 10);
    return `${hours}:${minutes}`;
  }
  if (spec.multiple) {
    const raw = [...values];
    for (const i of posted.indexes.get(k) || []) {
      const iv = posted.values.get(key([...path, i]));
      if (iv && iv.length) raw.push(iv[iv.length - 1]);
    }
    const out = [];
    for (const text of raw) {
      const v = textToScalar(spec, text, tz);
      if (v !== undefined && !out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    }
    return out.length ? out : undefined;
  }
  if (spec.widget === "checkbox" && spec.kind === "boolean") {
    return values.some((v) => TRUE_TOKENS.has(v.toLowerCase()));
  }
  if (!values.length) return undefined;
  return textToScalar(spec, values[values.length - 1], tz);
}

// Raw answers: objects, and arrays as {__ffArray: Map(index -> item)} so that a scope
// bound to an item's own index (`/parts/3/motif`) finds that item wherever it moved.
function setAt(root, path, value) {
  let cur = root;
  for (let j = 0; j < path.length - 1; j++) {
    const seg = path[j];
    const nextIsIndex = typeof path[j + 1] === "number";
    const make = () => (nextIsIndex ? { __ffArray: new Map() } : {});
    if (cur.__ffArray) {
      if (!cur.__ffArray.has(seg)) cur.__ffArray.set(seg, make());
      cur = cur.__ffArray.get(seg);
    } else {
      if (!(seg in cur)) cur[seg] = make();
      cur = cur[seg];
    }
  }
  const last = path[path.length - 1];
  if (cur.__ffArray) cur.__ffArray.set(last, value);
  else cur[last] = value;
}

function compact(raw, path, posted) {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  if (raw.__ffArray) {
    const items = [];
    for (const i of posted.indexes.get(key(path)) || []) {
      if (raw.__ffArray.has(i)) {
        const v = compact(raw.__ffArray.get(i), [...path, i], posted);
        if (v !== undefined) items.push(v);
      }
    }
    return items.length ? items : undefined;
  }
  const out = {};
  for (const [k, v] of Object.entries(raw)) {
    const c = compact(v, [...path, k], posted);
    if (c !== undefined) out[k] = c;
  }
  return Object.keys(out).length || !path.length ? out : undefined;
}

// The answers of the form, raw (see setAt); read with valueAt() or decodeForm().
export function readForm(form, pairs) {
  const tz = form.getAttribute("data-ff-tz") || undefined;
  const posted = new Posted(pairs || new FormData(form).entries());
  const raw = {};
  for (const w of form.querySelectorAll("[data-ff-field]")) {
    const spec = fieldSpec(w);
    if (!spec.path || !spec.path.length || !posted.itemExists(spec.path)) continue;
    const v = decodeLeaf(spec, w, posted, tz);
    if (v !== undefined) setAt(raw, spec.path, v);
  }
  return { raw, posted };
}

// The value at a JSON pointer whose array indexes are the items' own (name) indexes.
export function valueAt(data, pointer) {
  const path = parsePointer(pointer);
  let cur = data.raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    if (cur.__ffArray) {
      if (typeof seg !== "number" || !cur.__ffArray.has(seg)) return undefined;
      cur = cur.__ffArray.get(seg);
    } else if (Array.isArray(cur)) {
      return undefined;
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = cur[seg];
    }
  }
  return compact(cur, path, data.posted);
}

// Typed answers, exactly what engine.decode_form gives for the same post.
export function decodeForm(form, pairs) {
  const data = readForm(form, pairs);
  return compact(data.raw, [], data.posted) || {};
}
