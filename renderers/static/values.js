// The form's answers as typed JSON, decoded on the device as engine/decode.py decodes a
// post on the server: the same names, the same conversions, array items in the order the
// browser sends them. Used by the rules (show/hide) and by the offline client.
//
// Fields are described by their wrappers: data-ff-field (HTML name of a leaf),
// data-ff-widget, data-ff-kind, data-ff-multiple, data-ff-choices ([[token, value]…] when
// a value is not a string) and data-ff-empty (JSON of ui:emptyValue). Containers that
// change how their parts assemble: data-ff-map (rows `name[i]` whose key is posted as
// `name[i]:key`, data-ff-reserved: the object's own fields, which no row takes) and
// data-ff-fixed (a tuple's positions keep their places). `name:kept` carries the JSON of
// answers no field shows.

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
      if (expectName && parts.length) return null; // `[0]` alone: a row of the root's map
      parts.push(parseInt(m[2], 10));
      expectName = false;
    } else {
      if (expectName) return null;
      expectName = true;
    }
    pos = NAME_TOKEN.lastIndex;
  }
  if (expectName && parts.length) return null;
  return parts;
}

// ["parts", 1, "qty"] -> `parts[1].qty` (paths.to_name).
export function toName(path) {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : (out ? "." : "") + p;
  return out;
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
  if ((widget || spec.widget) === "json") {
    try {
      return JSON.parse(text);
    } catch (e) {
      return text; // validation says it is not what the field expects
    }
  }
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
  // Whether the list item or map row a path goes through was posted (a tuple's positions
  // always are: they have their places whether answered or not).
  itemExists(path, tuples) {
    for (let j = 0; j < path.length; j++) {
      if (typeof path[j] === "number") {
        const prefix = key(path.slice(0, j));
        if (tuples && tuples.has(prefix) && path[j] < tuples.get(prefix)) continue;
        const seen = this.indexes.get(prefix);
        if (!seen || !seen.includes(path[j])) return false;
      }
    }
    return true;
  }
  suffix(path, name) {
    return this.suffixed.get(key(path) + ":" + name);
  }
}

function decodeLeaf(spec, wrapper, posted, tz) {
  const path = spec.path;
  const k = key(path);
  const values = posted.values.get(k) || [];
  if (spec.widget === "null") return null;
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

// Raw answers: a container per object or list, its fields as keys and its numbered parts
// (list items, map rows) in `__ffArray` (index -> part), so that a scope bound to an item's
// own index (`/parts/3/motif`) finds that item wherever it moved. `__ffKept` holds what a
// `:kept` input carried.
const container = () => ({});

function setAt(root, path, value) {
  let cur = root;
  for (let j = 0; j < path.length - 1; j++) {
    const seg = path[j];
    if (typeof seg === "number") {
      if (!cur.__ffArray) cur.__ffArray = new Map();
      if (!cur.__ffArray.has(seg)) cur.__ffArray.set(seg, container());
      cur = cur.__ffArray.get(seg);
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, seg) || cur[seg] === null || typeof cur[seg] !== "object") cur[seg] = container();
      cur = cur[seg];
    }
  }
  const last = path[path.length - 1];
  if (typeof last === "number") {
    if (!cur.__ffArray) cur.__ffArray = new Map();
    cur.__ffArray.set(last, value);
  } else {
    cur[last] = value;
  }
}

function containerAt(root, path) {
  if (!path.length) return root;
  let cur = root;
  for (const seg of path) {
    let next;
    if (typeof seg === "number") {
      if (!cur.__ffArray) cur.__ffArray = new Map();
      next = cur.__ffArray.get(seg);
      if (!next || typeof next !== "object") cur.__ffArray.set(seg, (next = container()));
    } else {
      next = cur[seg];
      if (!next || typeof next !== "object" || Array.isArray(next)) cur[seg] = next = container();
    }
    cur = next;
  }
  return cur;
}

/** RJSF's answer to a key typed twice: `key-1`, `key-2`… (engine.decode.unique_key). */
export function uniqueKey(k, taken, separator = "-") {
  if (!taken.has(k)) return k;
  let n = 1;
  while (taken.has(`${k}${separator}${n}`)) n++;
  return `${k}${separator}${n}`;
}

// An own property, "__proto__" included: a key someone typed is data, not a prototype.
const put = (obj, k, v) => Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });

const isRaw = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !v.__ffJson;

function compact(raw, path, data) {
  if (!isRaw(raw)) return raw && raw.__ffJson ? raw.value : raw;
  const { posted, shapes } = data;
  const k = key(path);
  const names = Object.keys(raw).filter((n) => n !== "__ffArray" && n !== "__ffKept");
  const parts = raw.__ffArray;
  if (parts && !names.length && !shapes.maps.has(k) && !raw.__ffKept) {
    if (shapes.tuples.has(k)) {
      const fixed = shapes.tuples.get(k);
      const items = [];
      for (let i = 0; i < fixed; i++) items.push(parts.has(i) ? compact(parts.get(i), [...path, i], data) : undefined);
      const extra = [];
      for (const i of posted.indexes.get(k) || []) {
        if (i >= fixed && parts.has(i)) {
          const v = compact(parts.get(i), [...path, i], data);
          if (v !== undefined) extra.push(v);
        }
      }
      while (items.length && items[items.length - 1] === undefined && !extra.length) items.pop();
      const out = [...items.map((v) => (v === undefined ? null : v)), ...extra];
      return out.length ? out : undefined;
    }
    const items = [];
    for (const i of posted.indexes.get(k) || []) {
      if (parts.has(i)) {
        const v = compact(parts.get(i), [...path, i], data);
        if (v !== undefined) items.push(v);
      }
    }
    return items.length ? items : undefined;
  }
  const out = {};
  for (const n of names) {
    const c = compact(raw[n], [...path, n], data);
    if (c !== undefined) put(out, n, c);
  }
  if (parts && shapes.maps.has(k)) {
    const map = shapes.maps.get(k);
    const taken = new Set(map.reserved);
    for (const i of posted.indexes.get(k) || []) {
      const name = posted.suffix([...path, i], "key");
      if (!name || !parts.has(i)) continue;
      const v = compact(parts.get(i), [...path, i], data);
      if (v === undefined) continue;
      const unique = uniqueKey(name, taken, map.separator);
      taken.add(unique);
      if (!Object.prototype.hasOwnProperty.call(out, unique)) put(out, unique, v);
    }
  }
  for (const [n, v] of Object.entries(raw.__ffKept || {})) {
    if (!Object.prototype.hasOwnProperty.call(out, n)) put(out, n, v);
  }
  return Object.keys(out).length || !path.length ? out : undefined;
}

/** The maps and tuples of a form, by the key of their (name) path. */
function shapesOf(form) {
  const maps = new Map();
  const tuples = new Map();
  for (const w of form.querySelectorAll("[data-ff-map]")) {
    const p = parseName(w.getAttribute("data-ff-map"));
    if (p) maps.set(key(p), { reserved: JSON.parse(w.getAttribute("data-ff-reserved") || "[]"), separator: w.getAttribute("data-ff-separator") || "-" });
  }
  for (const w of form.querySelectorAll("[data-ff-fixed]")) {
    const p = parseName(w.getAttribute("data-ff-array"));
    if (p) tuples.set(key(p), parseInt(w.getAttribute("data-ff-fixed"), 10));
  }
  return { maps, tuples };
}

// The answers of the form, raw (see setAt); read with valueAt() or decodeForm().
export function readForm(form, pairs) {
  const tz = form.getAttribute("data-ff-tz") || undefined;
  const posted = new Posted(pairs || new FormData(form).entries());
  const shapes = shapesOf(form);
  const raw = {};
  for (const w of form.querySelectorAll("[data-ff-field]")) {
    const spec = fieldSpec(w);
    if (!spec.path || !spec.path.length || !posted.itemExists(spec.path, shapes.tuples)) continue;
    const v = decodeLeaf(spec, w, posted, tz);
    if (v !== undefined) setAt(raw, spec.path, v && typeof v === "object" ? { __ffJson: true, value: v } : v);
  }
  for (const [k, text] of posted.suffixed) {
    if (!k.endsWith(":kept") || !text) continue;
    let kept;
    try {
      kept = JSON.parse(text);
    } catch (e) {
      continue;
    }
    if (kept && typeof kept === "object" && !Array.isArray(kept)) containerAt(raw, JSON.parse(k.slice(0, -5))).__ffKept = kept;
  }
  return { raw, posted, shapes };
}

// The value at a JSON pointer whose array indexes are the items' own (name) indexes and
// whose map keys are the keys typed in the rows.
export function valueAt(data, pointer) {
  const path = parsePointer(pointer);
  let cur = data.raw;
  const namePath = [];
  for (const seg of path) {
    if (!isRaw(cur)) return undefined;
    if (typeof seg === "number") {
      if (!cur.__ffArray || !cur.__ffArray.has(seg)) return undefined;
      cur = cur.__ffArray.get(seg);
      namePath.push(seg);
    } else if (Object.prototype.hasOwnProperty.call(cur, seg) && seg !== "__ffArray" && seg !== "__ffKept") {
      cur = cur[seg];
      namePath.push(seg);
    } else if (cur.__ffArray && data.shapes.maps.has(key(namePath))) {
      const i = (data.posted.indexes.get(key(namePath)) || []).find((j) => data.posted.suffix([...namePath, j], "key") === seg);
      if (i === undefined || !cur.__ffArray.has(i)) return undefined;
      cur = cur.__ffArray.get(i);
      namePath.push(i);
    } else if (cur.__ffKept && Object.prototype.hasOwnProperty.call(cur.__ffKept, seg)) {
      return undefined; // an answer no field shows: no rule reads it
    } else {
      return undefined;
    }
  }
  return compact(cur, namePath, data);
}

// Typed answers, exactly what engine.decode_form gives for the same post.
export function decodeForm(form, pairs) {
  const data = readForm(form, pairs);
  return compact(data.raw, [], data) || {};
}
