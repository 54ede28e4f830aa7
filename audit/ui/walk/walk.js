// The walkthrough on the phone: every change is kept in IndexedDB first, shown at once, and
// sent to /api/sync in order when the network allows. One outbox per page (module scope),
// whatever Streamlit mounts and re-mounts.

const DB_NAME = "audit-field";
const LONG_EDGE = 2048; // photos larger than this travel as a lighter copy
const THUMB_EDGE = 320;
const BATCH = 50;
const PULL_EVERY = 20000;
const SPAN = /^\s*(\d{1,2})(?::(\d{2}))?\s*[-–—]\s*(\d{1,2})(?::(\d{2}))?\s*$/;
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

// -- IndexedDB ---------------------------------------------------------------------------------

let dbPromise = null;
function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("meta", { keyPath: "k" });
        db.createObjectStore("outbox", { keyPath: "id" });
        db.createObjectStore("photos", { keyPath: "id" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function done(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(stores, mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const t = db.transaction(stores, mode);
    let out;
    Promise.resolve(fn(t)).then((v) => { out = v; }, reject);
    t.oncomplete = () => resolve(out);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

// a sequence number for this browser, taken in the same transaction that stores the row
async function storeWithSeq(storeName, row) {
  return run(["meta", storeName], "readwrite", async (t) => {
    const meta = t.objectStore("meta");
    const current = await done(meta.get("seq"));
    const seq = (current ? current.v : 0) + 1;
    meta.put({ k: "seq", v: seq });
    row.seq = seq;
    t.objectStore(storeName).put(row);
    return seq;
  });
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// -- the outbox --------------------------------------------------------------------------------

const box = {
  ready: null,
  client: "",
  session: null, // {user, csrf, lang}
  entries: [], // every unsent change of this browser (all audits, all people)
  photos: [], // photos on this phone: queued, being sent, sent (kept for their thumbnails)
  snapshots: new Map(), // audit -> {answers, digest}
  thumbs: new Map(), // sha -> image URL
  errors: new Map(), // `${audit}|${key}` -> message
  online: navigator.onLine,
  signedOut: false,
  noStorage: false,
  sending: false,
  upload: null, // {id, percent}
  listeners: new Set(),
  timer: null,
  delay: 1000,
  lastPull: 0,
};

// The screen is brought up to date once per frame, just before it is painted: a tap, a
// stored row and a server reply in the same frame cost one redraw, and the tap handler
// itself only records the change.
let drawing = 0;
function notify() {
  if (drawing) return;
  drawing = requestAnimationFrame(() => {
    drawing = 0;
    for (const fn of box.listeners) {
      try { fn(); } catch (e) { console.error(e); }
    }
  });
}

box.ready = (async () => {
  try {
    await run(["meta"], "readwrite", async (t) => {
      const meta = t.objectStore("meta");
      const found = await done(meta.get("client"));
      if (found) box.client = found.v;
      else { box.client = uuid().replace(/[^A-Za-z0-9]/g, "").slice(0, 32); meta.put({ k: "client", v: box.client }); }
    });
    box.entries = (await run(["outbox"], "readonly", (t) => done(t.objectStore("outbox").getAll()))) || [];
    box.photos = (await run(["photos"], "readonly", (t) => done(t.objectStore("photos").getAll()))) || [];
    for (const p of box.photos) if (p.thumb && p.sha) box.thumbs.set(p.sha, URL.createObjectURL(p.thumb));
  } catch (e) {
    box.noStorage = true;
    box.client = box.client || uuid().replace(/[^A-Za-z0-9]/g, "").slice(0, 32);
  }
})();

window.addEventListener("online", () => { box.online = true; box.delay = 1000; kick(0); notify(); });
window.addEventListener("offline", () => { box.online = false; notify(); });
document.addEventListener("visibilitychange", () => { if (!document.hidden) kick(0, true); });

function kick(ms = 0, pull = false) {
  if (pull) box.lastPull = 0;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { send().catch((e) => console.error(e)); }, ms);
}

function mine(row) { return box.session && row.user === box.session.user; }

function pendingFor(audit) {
  const changes = box.entries.filter((e) => e.audit === audit && mine(e)).length;
  const photos = box.photos.filter((p) => p.audit === audit && mine(p) && p.state !== "sent").length;
  return changes + photos;
}

// The change goes into the page at once and into IndexedDB right after.
function enqueue(audit, kind, key, fields) {
  const at = new Date().toISOString();
  const last = box.entries.filter((e) => e.audit === audit && e.kind === kind && e.key === key
    && (fields.sha || "") === (e.sha || "") && mine(e)).pop();
  const coalesce = last && !last.inflight && last.seq && ["answer", "comment", "caption", "section"].includes(kind)
    && box.entries[box.entries.length - 1] === last;
  if (coalesce) {
    Object.assign(last, fields, { at });
    if (!("value" in fields)) delete last.value;
    run(["outbox"], "readwrite", (t) => { t.objectStore("outbox").put(last); }).catch(storageFailed);
  } else {
    const row = { id: uuid(), client: box.client, user: box.session.user, audit, kind, key, at, ...fields };
    box.entries.push(row);
    storeWithSeq("outbox", row).then(() => kick(0), storageFailed);
  }
  box.errors.delete(`${audit}|${key}`);
  notify();
  if (coalesce) kick(0);
}

function storageFailed(e) {
  console.error(e);
  box.noStorage = true;
  notify();
}

// What the phone shows: the stored answers with every change still on the phone on top.
function answersOf(audit) {
  const snap = box.snapshots.get(audit);
  const out = {};
  for (const [k, a] of Object.entries(snap ? snap.answers : {})) out[k] = { ...a, photos: [...(a.photos || [])] };
  const rows = box.entries.filter((e) => e.audit === audit && mine(e))
    .sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : (x.seq || 1e15) - (y.seq || 1e15)));
  for (const e of rows) {
    if (e.kind === "section" || e.kind === "caption") continue;
    const a = out[e.key] || (out[e.key] = { value: null, na: false, comment: "", photos: [] });
    a.pending = true;
    if (e.kind === "answer") {
      if ("value" in e) a.value = e.value;
      if (e.na !== undefined && e.na !== null) a.na = e.na;
      else if ("value" in e && e.value !== null) a.na = false;
    } else if (e.kind === "comment") a.comment = e.value;
    else if (e.kind === "add_photo" && !a.photos.includes(e.value)) a.photos.push(e.value);
    else if (e.kind === "remove_photo") a.photos = a.photos.filter((s) => s !== e.value);
  }
  for (const p of box.photos) {
    if (p.audit !== audit || !mine(p) || p.state === "sent" || !p.sha) continue;
    const a = out[p.key] || (out[p.key] = { value: null, na: false, comment: "", photos: [] });
    if (!a.photos.includes(p.sha) && !rows.some((e) => e.kind === "remove_photo" && e.value === p.sha)) a.photos.push(p.sha);
    a.pending = true;
  }
  return out;
}

function sectionOnPhone(audit) {
  const moves = box.entries.filter((e) => e.audit === audit && e.kind === "section" && mine(e));
  return moves.length ? moves[moves.length - 1].key : null;
}

async function post(url, body, extra = {}) {
  const headers = { "Content-Type": "application/json", "X-CSRF-Token": box.session.csrf, "X-Lang": box.session.lang, ...extra };
  return fetch(url, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body) });
}

function learn(audit, out) {
  const snap = box.snapshots.get(audit) || { answers: {}, digest: "" };
  if (out.snapshot) { snap.answers = out.snapshot; snap.digest = out.digest; }
  else {
    for (const [k, a] of Object.entries(out.answers || {})) snap.answers[k] = a;
    if (out.digest) snap.digest = out.digest;
  }
  box.snapshots.set(audit, snap);
}

async function forget(ids) {
  if (!ids.length) return;
  const gone = new Set(ids);
  box.entries = box.entries.filter((e) => !gone.has(e.id));
  await run(["outbox"], "readwrite", (t) => { for (const id of ids) t.objectStore("outbox").delete(id); }).catch(storageFailed);
}

async function send() {
  await box.ready;
  if (!box.session) return;
  if (box.sending) { box.again = true; return; } // sent as soon as the round under way ends
  box.sending = true;
  box.again = false;
  try {
    const work = async () => {
      for (let round = 0; round < 200; round++) {
        const waitingPhotos = new Set(box.photos.filter((p) => p.state !== "sent" && p.sha).map((p) => p.sha));
        const ready = box.entries.filter((e) => mine(e) && e.seq
          && !((e.kind === "caption" && waitingPhotos.has(e.sha)) || (e.kind === "remove_photo" && waitingPhotos.has(e.value))))
          .sort((a, b) => a.seq - b.seq);
        if (!ready.length) break;
        const audit = ready[0].audit;
        const batch = ready.filter((e) => e.audit === audit).slice(0, BATCH);
        if (!(await sendBatch(audit, batch))) return false;
      }
      if (!(await sendPhotos())) return false;
      const audits = [...box.snapshots.keys()];
      if (Date.now() - box.lastPull > PULL_EVERY && audits.length) {
        for (const a of audits) if (!(await sendBatch(a, []))) return false;
        box.lastPull = Date.now();
      }
      return true;
    };
    const ok = navigator.locks ? await navigator.locks.request("audit-outbox", work) : await work();
    if (ok) { box.delay = 1000; kick(PULL_EVERY); }
    else { kick(box.delay); box.delay = Math.min(box.delay * 2, 15000); }
  } finally {
    box.sending = false;
    if (box.again) kick(0);
    notify();
  }
}

// false: stop for now (offline, signed out); the caller retries later
async function sendBatch(audit, batch) {
  const snap = box.snapshots.get(audit);
  const changes = batch.map((e) => {
    const c = { seq: e.seq, kind: e.kind, key: e.key, at: e.at };
    if ("value" in e) c.value = e.value;
    if (e.na !== undefined && e.na !== null) c.na = e.na;
    if (e.sha) c.sha = e.sha;
    return c;
  });
  for (const e of batch) e.inflight = true;
  notify();
  let r;
  try {
    r = await post("/api/sync", { audit, client: box.client, changes, known: snap ? snap.digest : null });
  } catch (err) {
    box.online = false;
    return false;
  } finally {
    for (const e of batch) e.inflight = false;
  }
  box.online = true;
  if (r.status === 401 || r.status === 403) { box.signedOut = true; return false; }
  box.signedOut = false;
  if (r.status === 404 || r.status === 409) {
    const body = await r.json().catch(() => ({}));
    for (const e of batch) box.errors.set(`${audit}|${e.key}`, body.message || String(r.status));
    await forget(batch.map((e) => e.id));
    return true;
  }
  if (!r.ok) return false;
  const out = await r.json();
  const acked = new Set(out.acked || []);
  for (const ref of out.refused || []) {
    const e = batch.find((x) => x.seq === ref.seq);
    if (e) box.errors.set(`${audit}|${e.key}`, ref.message);
  }
  await forget(batch.filter((e) => acked.has(e.seq)).map((e) => e.id));
  learn(audit, out);
  notify();
  return true;
}

async function sendPhotos() {
  for (;;) {
    const p = box.photos.filter((x) => mine(x) && x.state !== "sent" && x.seq && x.blob).sort((a, b) => a.seq - b.seq)[0];
    if (!p) return true;
    const removed = box.entries.some((e) => e.kind === "remove_photo" && e.value === p.sha && e.audit === p.audit);
    if (removed) { await dropPhoto(p); continue; }
    const res = await upload(p);
    if (res === "offline") { box.online = false; return false; }
    if (res === "signed_out") { box.signedOut = true; return false; }
    if (res === "retry") return false;
  }
}

function upload(p) {
  return new Promise((resolve) => {
    const q = new URLSearchParams({ audit: p.audit, key: p.key, client: box.client, seq: String(p.seq), at: p.at, lang: box.session.lang });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/photo?" + q.toString());
    xhr.setRequestHeader("X-CSRF-Token", box.session.csrf);
    xhr.setRequestHeader("X-Photo-Report", encodeURIComponent(JSON.stringify(p.report || {})));
    xhr.setRequestHeader("Content-Type", p.blob.type || "application/octet-stream");
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) { box.upload = { id: p.id, percent: Math.floor((100 * ev.loaded) / ev.total) }; notify(); }
    };
    xhr.onerror = () => { box.upload = null; resolve("offline"); };
    xhr.ontimeout = xhr.onerror;
    xhr.onload = async () => {
      box.upload = null;
      box.online = true;
      if (xhr.status === 401 || xhr.status === 403) return resolve("signed_out");
      box.signedOut = false;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 200) {
        p.state = "sent";
        p.sha = body.sha || p.sha;
        delete p.blob; // the light copy has arrived; the thumbnail stays for the screen
        await run(["photos"], "readwrite", (t) => { t.objectStore("photos").put(p); }).catch(storageFailed);
        learn(p.audit, body);
        notify();
        return resolve("ok");
      }
      if (xhr.status >= 400 && xhr.status < 500) {
        box.errors.set(`${p.audit}|${p.key}`, textOf("photo_refused", { message: body.message || xhr.status }));
        await dropPhoto(p);
        return resolve("ok");
      }
      resolve("retry");
    };
    xhr.send(p.blob);
  });
}

async function dropPhoto(p) {
  box.photos = box.photos.filter((x) => x !== p);
  await run(["photos"], "readwrite", (t) => { t.objectStore("photos").delete(p.id); }).catch(storageFailed);
  notify();
}

let TEXTS = {};
function textOf(name, params = {}) {
  let s = TEXTS[name] || name;
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// -- photos on the phone -----------------------------------------------------------------------

// EXIF from a JPEG's APP1: capture time and GPS, read before the light copy drops them
function readExif(buf) {
  const v = new DataView(buf);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return {};
  let off = 2;
  while (off + 4 < v.byteLength) {
    const marker = v.getUint16(off);
    const size = v.getUint16(off + 2);
    if (marker === 0xffe1 && v.getUint32(off + 4) === 0x45786966) return parseTiff(v, off + 10);
    if ((marker & 0xff00) !== 0xff00) break;
    off += 2 + size;
  }
  return {};
}

function parseTiff(v, start) {
  const out = {};
  try {
    const le = v.getUint16(start) === 0x4949;
    const u16 = (o) => v.getUint16(start + o, le);
    const u32 = (o) => v.getUint32(start + o, le);
    const ifd = (o) => {
      const tags = {};
      const n = u16(o);
      for (let i = 0; i < n; i++) {
        const e = o + 2 + i * 12;
        tags[u16(e)] = { type: u16(e + 2), count: u32(e + 4), at: e + 8 };
      }
      return tags;
    };
    const ascii = (t) => {
      const o = t.count > 4 ? u32(t.at) : t.at;
      let s = "";
      for (let i = 0; i < t.count - 1; i++) s += String.fromCharCode(v.getUint8(start + o + i));
      return s;
    };
    const rationals = (t) => {
      const o = u32(t.at);
      const vals = [];
      for (let i = 0; i < t.count; i++) vals.push(u32(o + i * 8) / (u32(o + i * 8 + 4) || 1));
      return vals;
    };
    const ifd0 = ifd(u32(4));
    if (ifd0[0x8769]) {
      const exif = ifd(u32(ifd0[0x8769].at));
      const when = exif[0x9003] || exif[0x9004];
      if (when) {
        const m = ascii(when).match(/^(\d{4})[:-](\d{2})[:-](\d{2}) (\d{2}):(\d{2}):(\d{2})/);
        if (m) out.captured_at = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
        const zone = exif[0x9011] && ascii(exif[0x9011]);
        if (out.captured_at && zone && /^[+-]\d{2}:\d{2}$/.test(zone)) out.captured_at += zone;
      }
    }
    if (ifd0[0x8825]) {
      const gps = ifd(u32(ifd0[0x8825].at));
      if (gps[2] && gps[4]) {
        const deg = (a) => a[0] + (a[1] || 0) / 60 + (a[2] || 0) / 3600;
        let lat = deg(rationals(gps[2]));
        let lon = deg(rationals(gps[4]));
        if (gps[1] && ascii({ ...gps[1], count: 2 }) === "S") lat = -lat;
        if (gps[3] && ascii({ ...gps[3], count: 2 }) === "W") lon = -lon;
        if (isFinite(lat) && isFinite(lon)) out.gps = [lat, lon];
      }
    }
  } catch (e) { /* a broken EXIF block costs only the metadata */ }
  return out;
}

async function scaled(bitmap, edge, quality) {
  const k = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * k));
  const h = Math.max(1, Math.round(bitmap.height * k));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, w, h);
  return new Promise((ok) => canvas.toBlob(ok, "image/jpeg", quality));
}

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// the original's facts, a light copy if it is large (never larger), a thumbnail
async function preparePhoto(file) {
  const head = await file.slice(0, 256 * 1024).arrayBuffer();
  const report = { ...readExif(head), size: file.size };
  let blob = file;
  let thumb = null;
  try {
    const bitmap = await createImageBitmap(file);
    report.width = bitmap.width;
    report.height = bitmap.height;
    if (Math.max(bitmap.width, bitmap.height) > LONG_EDGE || file.size > 3 * 1024 * 1024) {
      const light = await scaled(bitmap, LONG_EDGE, 0.85);
      if (light && light.size < file.size) { blob = light; report.downscaled = true; }
    }
    thumb = await scaled(bitmap, THUMB_EDGE, 0.75);
    bitmap.close && bitmap.close();
  } catch (e) {
    // a format this browser cannot draw (HEIC on most phones): sent as it is, the server reads it
  }
  return { blob, thumb, report, sha: await sha256(blob) };
}

// -- what counts as answered, and as a finding (for "a photo is needed here") -------------------

function isDone(item, a) {
  if (!a) return false;
  if (a.na) return true;
  if (item.type === "photo") return (a.photos || []).length > 0 || (a.value !== null && a.value !== undefined && a.value !== "");
  return a.value !== null && a.value !== undefined && a.value !== "";
}

function waitMinutes(v) {
  if (typeof v === "number") return v;
  if (!v || typeof v !== "object") return null;
  if (typeof v.minutes === "number") return v.minutes;
  if (v.start && v.end) return Math.max(0, (Date.parse(v.end) - Date.parse(v.start)) / 60000);
  return null;
}

function bandScore(item, n) {
  for (const b of item.bands || []) if (b.max === null || b.max === undefined || n <= b.max) return b.score;
  return 0;
}

function minutesOf(hhmm) { const [h, m] = hhmm.split(":"); return +h * 60 + +m; }

function isFinding(item, a) {
  if (!a || a.na || a.value === null || a.value === undefined) return false;
  const v = a.value;
  switch (item.type) {
    case "yes_no": return v === false;
    case "scale": return v < item.scale[1];
    case "choice": { const o = (item.options || []).find((x) => x.id === v); return !!o && o.score < 1; }
    case "multi": return Math.min(1, (item.options || []).filter((o) => v.includes(o.id)).reduce((s, o) => s + o.score, 0)) < 1;
    case "number": return bandScore(item, v) < 1;
    case "wait_time": { const n = waitMinutes(v); return n !== null && bandScore(item, n) < 1; }
    case "typo_check": return bandScore(item, (v.typos || []).length) < 1;
    case "hours": {
      const rule = item.hours || { evening_after: "19:00", weekend: true };
      const checks = [];
      if (rule.evening_after) {
        checks.push(DAYS.slice(0, 5).some((d) => {
          const s = v[d];
          if (!s) return false;
          let close = minutesOf(s[1]);
          if (close <= minutesOf(s[0])) close += 1440;
          return close >= minutesOf(rule.evening_after);
        }));
      }
      if (rule.weekend) checks.push(!!(v.sat || v.sun));
      return checks.some((c) => !c);
    }
    default: return false;
  }
}

// -- which items and sections apply: `when:` conditions and sections answered N/A ------------
// The same rules as audit/conditions.py, so the phone shows what the server will score.

function hasValue(a) {
  return !!a && !a.na && a.value !== null && a.value !== undefined && a.value !== "";
}

function matchesValue(item, v, c) {
  const values = c.is || [];
  switch (item.type) {
    case "yes_no": return typeof v === "boolean" && values.includes(v);
    case "choice": return values.includes(v);
    case "multi": return Array.isArray(v) && v.some((x) => values.includes(x));
    case "scale": case "number": case "wait_time": {
      const n = item.type === "wait_time" ? waitMinutes(v) : (typeof v === "number" ? v : null);
      if (n === null || n === undefined) return false;
      if (values.length && !values.map(Number).includes(n)) return false;
      if (c.min !== undefined && c.min !== null && n < c.min) return false;
      return !(c.max !== undefined && c.max !== null && n > c.max);
    }
    default: return false;
  }
}

// a section's own answer: the reason while on the phone (its value), the stored one after
function sectionNaReason(section, a) {
  if (!section.na || !a || !a.na) return null;
  return (typeof a.value === "string" && a.value) || a.comment || "";
}

function visibility(sections, conds, answers) {
  const items = new Map();
  for (const s of sections) for (const it of s.items) items.set(it.key, [s.id, it]);
  const naSections = new Map();
  for (const s of sections) {
    const reason = sectionNaReason(s, answers[s.id]);
    if (reason !== null) naSections.set(s.id, reason);
  }
  const shown = new Map();
  const sectionShown = new Map();
  const busy = new Set();
  const sectionVisible = (id) => {
    if (!sectionShown.has(id)) sectionShown.set(id, !conds[id] || test(conds[id]));
    return sectionShown.get(id);
  };
  const visible = (key) => {
    if (shown.has(key)) return shown.get(key);
    if (busy.has(key) || !items.has(key)) return false; // a cycle the validator refuses
    busy.add(key);
    const [sid] = items.get(key);
    const result = sectionVisible(sid) && (!conds[key] || test(conds[key]));
    busy.delete(key);
    shown.set(key, result);
    return result;
  };
  function test(c) {
    if (c.any) return c.any.some(test);
    if (c.all) return c.all.every(test);
    if (c.not) return !test(c.not);
    const found = items.get(c.item);
    if (!found || !visible(c.item) || naSections.has(found[0])) return false;
    const a = answers[c.item];
    return hasValue(a) && matchesValue(found[1], a.value, c);
  }
  const hidden = new Set();
  const hiddenSections = new Set();
  for (const s of sections) {
    if (!sectionVisible(s.id)) hiddenSections.add(s.id);
    for (const it of s.items) if (!visible(it.key)) hidden.add(it.key);
  }
  return { hidden, hiddenSections, naSections };
}

function needsPhoto(item, a) {
  if (a && a.na) return false;
  return item.photo === "required" || item.type === "photo" || (item.photo === "on_fail" && isFinding(item, a));
}

function parseSpan(text) {
  if (!text.trim()) return null;
  const m = SPAN.exec(text);
  if (!m) throw new Error("bad");
  const two = (x) => String(+x).padStart(2, "0");
  return [`${two(m[1])}:${m[2] || "00"}`, `${two(m[3])}:${m[4] || "00"}`];
}

function elapsedText(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m} ${textOf("minutes")} ${String(s).padStart(2, "0")} ${textOf("seconds")}`;
}

// -- the element -------------------------------------------------------------------------------

// Handlers are element properties (onclick, onchange, …), so a card drawn again can hand its
// fresh handlers to the live elements it is merged into.
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el[k] = v;
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const HANDLERS = ["onclick", "onchange", "oninput", "onblur"];

// Make the live node look like the freshly drawn one, touching only what differs: the
// browser restyles a few attributes instead of a whole card, and the element under the
// shopper's thumb (or with the keyboard focus, or half-typed text) stays the same element.
function morph(live, fresh) {
  if (live.nodeType !== fresh.nodeType || live.nodeName !== fresh.nodeName
      || (live.nodeType === 1 && live.type !== fresh.type)) {
    live.replaceWith(fresh);
    return;
  }
  if (live.nodeType !== 1) {
    if (live.nodeValue !== fresh.nodeValue) live.nodeValue = fresh.nodeValue;
    return;
  }
  for (const { name } of [...live.attributes]) {
    if (!fresh.hasAttribute(name) && !(name === "open" && live.tagName === "DETAILS")) live.removeAttribute(name);
  }
  for (const { name, value } of fresh.attributes) if (live.getAttribute(name) !== value) live.setAttribute(name, value);
  for (const k of HANDLERS) if (live[k] !== fresh[k]) live[k] = fresh[k];
  if (live.tagName === "INPUT" || live.tagName === "TEXTAREA") {
    const typing = live.getRootNode().activeElement === live;
    if (live.type === "checkbox" || live.type === "radio") live.checked = fresh.checked;
    else if (live.type !== "file" && !typing && live.value !== fresh.value) live.value = fresh.value;
    if (live.tagName === "TEXTAREA") return;
  }
  const a = [...live.childNodes];
  const b = [...fresh.childNodes];
  for (let i = 0; i < b.length; i++) {
    if (i < a.length) morph(a[i], b[i]);
    else live.append(b[i]);
  }
  for (let i = b.length; i < a.length; i++) a[i].remove();
}

class Walk {
  constructor(root) {
    this.root = root;
    this.el = root.querySelector("[data-walk]");
    this.page = this.el.querySelector(".page");
    this.status = this.el.querySelector(".status");
    this.statusText = this.status.querySelector(".status-text");
    this.viewer = this.el.querySelector(".viewer");
    this.section = null;
    this.nav = -1;
    this.typing = new Map();
    this.listener = () => this.refresh();
    box.listeners.add(this.listener);
    // A tap answers when the finger lifts, not when the browser has made a click of it (after
    // its gesture wait, :active styles, mouse events and a focus change); that click is then
    // cancelled. Keyboards and screen readers still click as usual.
    this.el.addEventListener("pointerdown", (ev) => { this.down = [ev.clientX, ev.clientY]; });
    this.el.addEventListener("pointerup", (ev) => this.fastTap(ev));
    this.el.addEventListener("touchend", (ev) => {
      if (this.tapped && ev.cancelable) ev.preventDefault();
      this.tapped = false;
    }, { passive: false });
    this.el.addEventListener("click", (ev) => {
      const b = ev.target.closest && ev.target.closest("button");
      if (b && b.tappedAt && ev.timeStamp - b.tappedAt < 1000) { ev.preventDefault(); ev.stopPropagation(); }
    }, true);
    this.ticker = setInterval(() => this.tick(), 1000);
    this.onKey = (ev) => { if (ev.key === "Escape" && !this.viewer.hidden) this.closeViewer(); };
    document.addEventListener("keydown", this.onKey);
  }

  fastTap(ev) {
    if (ev.pointerType !== "touch" || !ev.isPrimary) return;
    const b = ev.target.closest && ev.target.closest("button");
    if (!b || b.disabled || typeof b.onclick !== "function" || !this.down) return;
    // a finger that slid off the button is not a tap on it (a scroll never gets here at all)
    if (Math.hypot(ev.clientX - this.down[0], ev.clientY - this.down[1]) > 12) return;
    const typing = b.getRootNode().activeElement;
    if (typing && typing !== b && ["INPUT", "TEXTAREA", "SELECT"].includes(typing.tagName)) typing.blur();
    this.tapped = true;
    b.tappedAt = ev.timeStamp;
    b.onclick(ev);
  }

  destroy() {
    delete document.documentElement.dataset.walk;
    box.listeners.delete(this.listener);
    clearInterval(this.ticker);
    document.removeEventListener("keydown", this.onKey);
  }

  async update(data, api) {
    this.api = api;
    TEXTS = data.texts;
    box.session = { user: data.user, csrf: data.csrf, lang: data.lang };
    box.signedOut = false;
    const fresh = !this.data || this.data.audit !== data.audit;
    const snap = box.snapshots.get(data.audit);
    if (fresh || !snap || (this.data && this.data.digest !== data.digest)) {
      box.snapshots.set(data.audit, { answers: data.answers, digest: data.digest });
    }
    for (const [sha, p] of Object.entries(data.photos || {})) if (p.thumb && !box.thumbs.has(sha)) box.thumbs.set(sha, p.thumb);
    this.data = data;
    this.navSig = null;
    this.items = new Map();
    for (const s of data.sections) for (const it of s.items) this.items.set(it.key, { ...it, section: s.id });
    this.el.setAttribute("lang", data.lang);
    await box.ready;
    const ids = data.sections.map((s) => s.id);
    // Python moves the walk only when its navigation count changes; a run for anything else
    // leaves the walk where the shopper has already taken it on the phone
    if (fresh || data.nav !== this.nav) {
      this.review = data.view === "review";
      const asked = ids.includes(data.view) ? data.view : null;
      const onPhone = sectionOnPhone(data.audit);
      this.section = (data.nav > 0 && asked) || onPhone || (ids.includes(data.section) ? data.section : ids[0]);
      if (asked && asked !== this.section) this.section = asked;
      this.nav = data.nav;
      this.focus = data.focus;
    }
    this.render();
    kick(0, fresh);
  }

  sections() { return this.data.sections; }

  vis(answers) { return visibility(this.sections(), this.data.conditions || {}, answers || this.answers()); }

  // the sections a condition does not leave out, in the checklist's order
  shownSections(vis) { return this.sections().filter((s) => !vis.hiddenSections.has(s.id)); }

  // the section to show: the current one, or the next one that shows when an answer hid it
  currentSection(vis) {
    const all = this.sections();
    const at = Math.max(0, all.findIndex((s) => s.id === this.section));
    return all.slice(at).find((s) => !vis.hiddenSections.has(s.id)) || null;
  }

  // Every move shows at once on the phone; Python hears of the review (it draws it below) and
  // of leaving it (it stops drawing it).
  go(id) {
    if (id === (this.review ? "review" : this.section)) return;
    this.flushTyping();
    const leaving = this.review;
    this.review = id === "review";
    if (!this.review) {
      this.section = id;
      enqueue(this.data.audit, "section", id, {});
    }
    this.render();
    this.toTop();
    if (this.review) this.api.setTriggerValue("event", { type: "review", at: Date.now() });
    else if (leaving) this.api.setTriggerValue("event", { type: "section", section: id, at: Date.now() });
  }

  move(step) {
    const vis = this.vis();
    const ids = this.shownSections(vis).map((s) => s.id).concat(["review"]);
    const current = this.currentSection(vis);
    const at = this.review || !current ? ids.length - 1 : ids.indexOf(current.id);
    const next = ids[Math.min(ids.length - 1, Math.max(0, at + step))];
    if (next) this.go(next);
  }

  toTop() {
    let node = this.root.host || this.el;
    while (node) {
      if (node.scrollTop) node.scrollTop = 0;
      node = node.parentElement || (node.getRootNode && node.getRootNode().host) || null;
    }
    if (document.scrollingElement) document.scrollingElement.scrollTop = 0;
  }

  answers() { return answersOf(this.data.audit); }

  change(key, kind, fields) {
    enqueue(this.data.audit, kind, key, fields);
  }

  flushTyping() {
    for (const [key, fn] of this.typing) { fn(); this.typing.delete(key); }
  }

  flushTyped(key) {
    const run = this.typing.get(key);
    if (run) run();
  }

  // `fn` runs later: it must hold the element itself, since an event's target is cleared once
  // its dispatch out of the shadow root ends
  typed(key, fn, ms = 700) {
    clearTimeout((this.typing.get(key) || {}).timer);
    const run = () => { clearTimeout(run.timer); this.typing.delete(key); fn(); };
    run.timer = setTimeout(run, ms);
    this.typing.set(key, run);
  }

  // -- drawing ---------------------------------------------------------------------------------

  render() {
    const answers = this.answers();
    const vis = this.vis(answers);
    this.visSig = JSON.stringify([[...vis.hidden], [...vis.hiddenSections], [...vis.naSections]]);
    if (!this.review && !this.currentSection(vis)) { this.go("review"); return; } // the rest is hidden
    this.drawNav(answers, vis);
    // The review Python draws under the walk is hidden the moment the walk leaves it, so a
    // section never pushes the old review down the screen while the server catches up.
    document.documentElement.dataset.walk = this.review ? "review" : "section";
    const fresh = h("div", { class: "page" });
    if (this.review) fresh.append(h("h2", { text: textOf("review") }));
    else {
      const section = this.currentSection(vis);
      fresh.append(h("h2", { text: section.title }));
      if (section.description) fresh.append(h("p", { class: "desc", text: section.description }));
      if (section.na) fresh.append(this.sectionNa(section, vis));
      if (!vis.naSections.has(section.id)) {
        for (const item of section.items) {
          if (!vis.hidden.has(item.key)) fresh.append(this.card(this.items.get(item.key), answers[item.key]));
        }
      }
      const ids = this.shownSections(vis).map((s) => s.id);
      const at = ids.indexOf(section.id);
      const last = at === ids.length - 1;
      fresh.append(h("div", { class: "bottom" },
        at > 0 ? h("button", { type: "button", onclick: () => this.move(-1), text: "‹ " + textOf("back") }) : null,
        h("button", { type: "button", class: "primary", onclick: () => this.move(1),
          text: (last ? textOf("review") : textOf("next")) + " ›" })));
    }
    // the same screen drawn again keeps what is open and focused; another one starts afresh
    const shown = this.review ? "review" : this.currentSection(vis).id;
    if (this.shown === shown) morph(this.page, fresh);
    else this.page.replaceChildren(...fresh.childNodes);
    this.shown = shown;
    this.refreshStatus();
    if (this.focus && !this.review) {
      const card = this.page.querySelector(`[data-key="${CSS.escape(this.focus)}"]`);
      this.focus = null;
      if (card) {
        card.classList.add("focus");
        card.scrollIntoView({ block: "center" });
        const first = card.querySelector("button, input, textarea, select");
        if (first) first.focus({ preventScroll: true });
      }
    }
  }

  drawNav(answers, vis) {
    vis = vis || this.vis(answers);
    let done = 0;
    let total = 0;
    const counts = {};
    const shownSections = this.shownSections(vis);
    // an item hidden by a condition is not counted; a section answered N/A counts as done
    for (const s of shownSections) {
      const keys = s.items.map((it) => it.key).filter((k) => !vis.hidden.has(k));
      const whole = vis.naSections.has(s.id);
      const d = whole ? keys.length : keys.filter((k) => isDone(this.items.get(k), answers[k])).length;
      counts[s.id] = [d, keys.length];
      done += d;
      total += keys.length;
    }
    const here = this.review ? null : this.currentSection(vis);
    const current = here ? here.id : "review";
    const sig = JSON.stringify([counts, current]);
    if (sig === this.navSig) {
      const jump = this.el.querySelector(".jump");
      if (jump.value !== current) jump.value = current;
      return;
    }
    this.navSig = sig;
    const pct = total ? Math.round((100 * done) / total) : 0;
    const text = textOf("progress", { done, total });
    const options = shownSections.map((s) => {
      const [d, n] = counts[s.id];
      const mark = d === n ? "●" : d ? "◐" : "○";
      return h("option", { value: s.id, text: `${mark} ${s.title} · ${d}/${n}` });
    });
    options.push(h("option", { value: "review", text: "✔ " + textOf("review") }));
    // drawn fresh, merged into what is on screen: only what changed is touched
    morph(this.el.querySelector(".top"), h("div", { class: "top" },
      h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
        "aria-valuenow": String(pct), "aria-label": text },
        h("div", { class: "bar" }, h("div", { class: "fill", style: `width: ${pct}%` })),
        h("p", { class: "progress-text", text })),
      h("nav", { class: "nav" },
        h("button", { type: "button", class: "icon prev", "data-act": "prev", "aria-label": textOf("back"),
          disabled: !this.review && shownSections[0].id === current, text: "‹", onclick: () => this.move(-1) }),
        h("select", { class: "jump", "data-act": "jump", "aria-label": textOf("sections"),
          onchange: (ev) => this.go(ev.target.value) }, ...options),
        h("button", { type: "button", class: "icon next primary", "data-act": "next", "aria-label": textOf("next"),
          disabled: this.review, text: "›", onclick: () => this.move(1) }))));
    const jump = this.el.querySelector(".jump");
    if (jump.value !== current) jump.value = current;
  }

  refresh() {
    if (!this.data) return;
    const answers = this.answers();
    const vis = this.vis(answers);
    // an answer that shows or hides items or sections, or a section skipped: the page again
    if (JSON.stringify([[...vis.hidden], [...vis.hiddenSections], [...vis.naSections]]) !== this.visSig) {
      this.render();
      return;
    }
    this.drawNav(answers, vis);
    this.refreshStatus();
    if (this.review) {
      const count = pendingFor(this.data.audit);
      if (this.reported !== count) {
        this.reported = count;
        this.api.setStateValue("pending", { audit: this.data.audit, count });
      }
      return;
    }
    for (const card of this.page.querySelectorAll(".card")) {
      const key = card.dataset.key;
      const item = this.items.get(key);
      const a = answers[key];
      const sig = JSON.stringify([a, box.errors.get(`${this.data.audit}|${key}`), this.photoState(key)]);
      if (card.dataset.sig === sig) continue;
      this.replaceCard(card, item, a);
    }
  }

  // a card drawn again keeps what the shopper opened, the focus and the element under the thumb
  replaceCard(card, item, a) {
    morph(card, this.card(item, a));
  }

  photoState(key) {
    return box.photos.filter((p) => p.audit === this.data.audit && p.key === key)
      .map((p) => [p.id, p.state, p.sha, box.upload && box.upload.id === p.id ? box.upload.percent : -1]);
  }

  stateMark(item, a) {
    const err = box.errors.get(`${this.data.audit}|${item.key}`);
    if (err) return h("span", { class: "state refused", text: textOf("item_refused") });
    if (a && a.pending) return h("span", { class: "state pending", text: textOf("item_pending") });
    if (a && isDone(item, a)) return h("span", { class: "state", text: textOf("item_saved") });
    return h("span", { class: "state" });
  }

  refreshStatus() {
    const count = this.data ? pendingFor(this.data.audit) : 0;
    let kind = "saved";
    let text = textOf("all_saved");
    if (box.noStorage) { kind = "no_storage"; text = textOf("no_storage"); }
    else if (box.signedOut && count) { kind = "signed_out"; text = textOf("signed_out", { count }); }
    else if (!box.online || !navigator.onLine) { kind = "offline"; text = count ? textOf("offline", { count }) : textOf("offline_none"); }
    else if (count) {
      kind = "waiting";
      text = textOf(box.sending ? "sending" : "waiting", { count });
      if (box.upload) text += " · " + textOf("photo_sending", { percent: box.upload.percent });
    }
    if (this.status.dataset.state === kind && this.status.dataset.count === String(count)
        && this.statusText.textContent === text) return;
    this.status.className = "status " + kind;
    this.status.dataset.state = kind;
    this.status.dataset.count = String(count);
    this.statusText.textContent = text;
  }

  tick() {
    for (const el of this.page.querySelectorAll("[data-since]")) {
      const text = this.since(el.dataset.since);
      if (el.textContent !== text) el.textContent = text;
    }
  }

  since(start) {
    const since = Date.parse(start);
    const time = new Date(since).toLocaleTimeString(this.data.lang, { hour: "2-digit", minute: "2-digit" });
    return textOf("waiting_since", { time, elapsed: elapsedText(Date.now() - since) });
  }

  card(item, a) {
    const key = item.key;
    const err = box.errors.get(`${this.data.audit}|${key}`);
    const head = h("div", { class: "head" },
      h("p", { class: "q" }, item.text,
        item.critical ? h("span", { class: "badge crit", text: textOf("critical") }) : null,
        item.required ? h("span", { class: "req", "aria-label": textOf("required"), title: textOf("required"), text: "*" }) : null),
      this.stateMark(item, a));
    const card = h("section", { class: "card", "data-key": key, "aria-label": item.text }, head);
    card.dataset.sig = JSON.stringify([a, err, this.photoState(key)]);
    if (item.guidance) card.append(h("details", {}, h("summary", { text: textOf("guidance") }), h("p", { class: "guide", text: item.guidance })));
    card.append(this.control(item, a || { value: null, na: false, comment: "", photos: [] }));
    const want = needsPhoto(item, a);
    const photos = (a && a.photos) || [];
    if (want && !photos.length && !this.queuedFor(key).length) card.append(h("p", { class: "warn", text: textOf("photo_needed") }));
    if (item.type === "photo") card.append(this.photoBlock(item, a));
    const extra = h("details", { class: "extra" },
      h("summary", { text: textOf("photos_comment", { photos: photos.length }) + (a && a.comment ? " · ✎" : "") }),
      item.type === "photo" ? null : this.photoBlock(item, a),
      this.commentBlock(item, a));
    if (want || photos.length || (a && a.comment)) extra.open = true;
    card.append(extra);
    if (err) card.append(h("p", { class: "err", role: "alert", text: textOf("not_saved", { message: err }) }));
    return card;
  }

  // "This section does not apply": one tap with the checklist's reason, or a reason typed
  sectionNa(section, vis) {
    const err = box.errors.get(`${this.data.audit}|${section.id}`);
    const out = h("div", { class: "section-na", "data-section": section.id });
    const reason = vis.naSections.get(section.id);
    if (reason !== undefined) {
      out.append(h("p", { class: "live", text: textOf("section_na_done", { reason }) }),
        h("button", { type: "button", "data-act": "section-na-undo", text: textOf("section_na_undo"),
          onclick: () => this.change(section.id, "answer", { value: "", na: false }) }));
    } else if (section.na_reason) {
      out.append(h("button", { type: "button", class: "wide", "data-act": "section-na",
        text: textOf("section_na_tap", { reason: section.na_reason }),
        onclick: () => this.change(section.id, "answer", { value: section.na_reason, na: true }) }));
    } else {
      out.append(h("details", {},
        h("summary", { text: textOf("section_na") }),
        h("input", { type: "text", maxlength: "500", "aria-label": textOf("section_na_reason"),
          placeholder: textOf("section_na_reason") }),
        h("button", { type: "button", "data-act": "section-na", text: textOf("section_na"), onclick: () => {
          const field = this.page.querySelector(`[data-section="${CSS.escape(section.id)}"] input`);
          const typed = field ? field.value.trim() : "";
          if (typed) this.change(section.id, "answer", { value: typed, na: true });
          else if (field) field.focus();
        } })));
    }
    if (err) out.append(h("p", { class: "err", role: "alert", text: textOf("not_saved", { message: err }) }));
    return out;
  }

  naButton(item, a) {
    if (!item.na) return null;
    return h("button", { type: "button", "aria-pressed": String(!!a.na), text: textOf("na"),
      onclick: () => this.change(item.key, "answer", a.na ? { value: null, na: false } : { value: null, na: true }) });
  }

  naToggle(item, a) {
    if (!item.na) return null;
    const box_ = h("input", { type: "checkbox", onchange: (ev) => this.change(item.key, "answer", { na: ev.target.checked }) });
    box_.checked = !!a.na;
    return h("label", { class: "check" }, box_, textOf("na_long"));
  }

  choiceRow(item, a, options, cls) {
    const row = h("div", { class: "opts " + cls, role: "group", "aria-label": item.text });
    for (const [value, label] of options) {
      const on = !a.na && a.value === value;
      row.append(h("button", { type: "button", "aria-pressed": String(on), text: label,
        onclick: () => this.change(item.key, "answer", on ? { value: null, na: false } : { value, na: false }) }));
    }
    const na = this.naButton(item, a);
    if (na) row.append(na);
    return row;
  }

  control(item, a) {
    const key = item.key;
    switch (item.type) {
      case "yes_no":
        return this.choiceRow(item, a, [[true, textOf("yes")], [false, textOf("no")]], "seg");
      case "scale": {
        const opts = [];
        for (let i = item.scale[0]; i <= item.scale[1]; i++) opts.push([i, String(i)]);
        return this.choiceRow(item, a, opts, "seg");
      }
      case "choice":
        return this.choiceRow(item, a, (item.options || []).map((o) => [o.id, o.text]), "chips");
      case "multi": {
        const chosen = Array.isArray(a.value) ? a.value : [];
        const row = h("div", { class: "opts chips", role: "group", "aria-label": item.text });
        for (const o of item.options || []) {
          const on = chosen.includes(o.id);
          row.append(h("button", { type: "button", "aria-pressed": String(on), text: o.text, onclick: () => {
            const next = on ? chosen.filter((x) => x !== o.id) : chosen.concat([o.id]);
            this.change(key, "answer", { value: next, na: false });
          } }));
        }
        return h("div", {}, row, this.naToggle(item, a));
      }
      case "number": {
        const input = h("input", { type: "number", inputmode: "decimal", min: "0", step: "any", "aria-label": item.text + (item.unit ? ` (${item.unit})` : ""), placeholder: item.unit || "" });
        input.value = a.value === null || a.value === undefined ? "" : String(a.value);
        input.onchange = (ev) => {
          const n = ev.target.value === "" ? null : Number(ev.target.value);
          if (n !== null && (!isFinite(n) || n < 0)) return;
          this.change(key, "answer", { value: n });
        };
        return h("div", {}, input, this.naToggle(item, a));
      }
      case "wait_time": return this.stopwatch(item, a);
      case "hours": return this.hours(item, a);
      case "typo_check": return this.typos(item, a);
      case "text": {
        const area = h("textarea", { placeholder: textOf("type_here"), "aria-label": item.text });
        area.value = a.value || "";
        const save = (text) => this.change(key, "answer", { value: text.trim() ? text : null });
        area.oninput = ({ target }) => this.typed(key, () => save(target.value));
        area.onblur = () => this.flushTyped(key);
        return area;
      }
      default:
        return h("div");
    }
  }

  stopwatch(item, a) {
    const key = item.key;
    const v = a.value && typeof a.value === "object" ? a.value : {};
    const keep = (extra) => {
      const out = {};
      for (const k of ["start", "end", "minutes"]) if (v[k] !== undefined && v[k] !== null) out[k] = v[k];
      return { ...out, ...extra };
    };
    const running = v.start && !v.end;
    const row = h("div", { class: "row" },
      h("button", { type: "button", class: v.start ? "" : "primary", disabled: !!running, text: textOf("started_waiting"),
        onclick: () => this.change(key, "answer", { value: { start: new Date().toISOString() } }) }),
      h("button", { type: "button", class: running ? "primary" : "", disabled: !running, text: "✓ " + textOf("served"),
        onclick: () => this.change(key, "answer", { value: keep({ end: new Date().toISOString() }) }) }));
    const out = h("div", {}, row);
    if (running) {
      out.append(h("p", { class: "live", "data-since": v.start, "aria-live": "off", text: this.since(v.start) }));
    } else if (v.start && v.end) {
      const fmt = (t) => new Date(t).toLocaleTimeString(this.data.lang, { hour: "2-digit", minute: "2-digit" });
      out.append(h("p", { class: "live", text: textOf("waited", { elapsed: elapsedText(Date.parse(v.end) - Date.parse(v.start)), start: fmt(v.start), end: fmt(v.end) }) }));
    }
    const id = `min-${key.replace(/\W/g, "-")}`;
    const input = h("input", { id, type: "number", inputmode: "decimal", min: "0", step: "any" });
    input.value = typeof v.minutes === "number" ? String(v.minutes) : "";
    input.onchange = (ev) => {
      const n = ev.target.value === "" ? null : Number(ev.target.value);
      if (n !== null && (!isFinite(n) || n < 0)) return;
      const next = keep({});
      if (n === null) delete next.minutes; else next.minutes = n;
      this.change(key, "answer", { value: Object.keys(next).length ? next : null });
    };
    // Element.append(null) would write the word "null": what may be missing goes through h()
    return h("div", {}, out, h("label", { class: "field-label", for: id, text: textOf("minutes_waited") }), input,
      this.naToggle(item, a));
  }

  hours(item, a) {
    const key = item.key;
    const week = a.value && typeof a.value === "object" ? a.value : {};
    const out = h("div");
    if (this.data.hours) {
      out.append(h("button", { type: "button", text: textOf("fill_hours"), onclick: () => {
        const filled = {};
        for (const d of DAYS) filled[d] = this.data.hours[d] || null;
        this.change(key, "answer", { value: filled });
      } }));
    }
    out.append(h("p", { class: "hint", text: textOf("hours_hint") }));
    const grid = h("div", { class: "days" });
    for (const d of DAYS) {
      const id = `h-${key.replace(/\W/g, "-")}-${d}`;
      const span = week[d];
      const input = h("input", { id, type: "text", inputmode: "numeric", placeholder: textOf("closed"), autocomplete: "off", "data-day": d });
      input.value = span ? `${span[0]}–${span[1]}` : "";
      input.onchange = (ev) => {
        const value = {};
        try {
          for (const day of ev.target.closest(".days").querySelectorAll("input[data-day]")) {
            value[day.dataset.day] = parseSpan(day.value);
          }
        } catch (e) {
          box.errors.set(`${this.data.audit}|${key}`, textOf("bad_hours"));
          notify();
          return;
        }
        this.change(key, "answer", { value });
      };
      grid.append(h("label", { for: id, text: textOf(`day.${d}`) }, input));
    }
    return h("div", {}, out, grid, this.naToggle(item, a));
  }

  typos(item, a) {
    const key = item.key;
    const v = a.value && typeof a.value === "object" ? a.value : {};
    const area = h("textarea", { "aria-label": textOf("paste_site_text"), placeholder: textOf("paste_site_text") });
    area.value = v.text || "";
    const save = (text) => this.change(key, "answer", { value: text.trim() ? { text, typos: v.typos || [] } : null });
    area.oninput = ({ target }) => this.typed(key, () => save(target.value), 1200);
    area.onblur = () => this.flushTyped(key);
    const out = h("div", {}, h("label", { class: "field-label", text: textOf("paste_site_text") }), area);
    const server = ((box.snapshots.get(this.data.audit) || { answers: {} }).answers[key] || {}).value || {};
    const current = v.text && server.text === v.text;
    if (v.text && !current) {
      out.append(h("p", { class: "hint", text: navigator.onLine && box.online ? textOf("typos_checking") : textOf("typos_offline") }));
    } else if (v.text) {
      if (server.checked) {  // only part of the text was checked: the server says why
        const chars = Number(server.checked_chars || 0).toLocaleString(this.data.lang);
        out.append(h("p", { class: "hint warn", text: textOf(`typos_${server.checked}`, { chars }) }));
      }
      const flagged = server.flagged || [];
      if (!flagged.length) out.append(h("p", { class: "hint", text: textOf("no_suspects") }));
      else {
        const row = h("div", { class: "opts chips", role: "group", "aria-label": textOf("confirm_typos") });
        const typos = v.typos || [];
        for (const w of flagged) {
          const on = typos.includes(w);
          row.append(h("button", { type: "button", "aria-pressed": String(on), text: w, onclick: () => {
            const next = on ? typos.filter((x) => x !== w) : typos.concat([w]);
            this.change(key, "answer", { value: { text: v.text, typos: next } });
          } }));
        }
        out.append(h("p", { class: "hint", text: textOf("confirm_typos") }), row);
      }
    }
    return h("div", {}, out, this.naToggle(item, a));
  }

  queuedFor(key) {
    return box.photos.filter((p) => p.audit === this.data.audit && p.key === key && mine(p) && p.state !== "sent");
  }

  photoBlock(item, a) {
    const key = item.key;
    const shas = (a && a.photos) || [];
    const thumbs = h("div", { class: "thumbs" });
    shas.forEach((sha, i) => {
      const local = box.photos.find((p) => p.sha === sha && p.audit === this.data.audit);
      let tag = "";
      if (local && local.state !== "sent") {
        tag = box.upload && box.upload.id === local.id ? textOf("photo_sending", { percent: box.upload.percent }) : textOf("photo_queued");
      }
      const src = box.thumbs.get(sha);
      thumbs.append(h("button", { type: "button", class: "thumb", "aria-label": textOf("photo_number", { n: i + 1 }),
        onclick: () => this.openViewer(key, sha) },
        src ? h("img", { src, alt: "", width: "72", height: "72" }) : h("span", { text: String(i + 1) }),
        tag ? h("span", { class: "tag", text: tag }) : null));
    });
    for (const p of this.queuedFor(key).filter((p) => !p.sha)) {
      thumbs.append(h("span", { class: "thumb" }, h("span", { class: "tag", text: textOf("processing") })));
    }
    const picker = (label, capture) => {
      const input = h("input", { type: "file", accept: "image/*,.heic,.heif", multiple: !capture, capture: capture ? "environment" : null, "aria-label": label });
      input.onchange = (ev) => {
        const files = [...ev.target.files];
        ev.target.value = "";
        for (const f of files) this.addPhoto(key, f);
      };
      return h("label", { class: "pick" }, input, h("span", { "aria-hidden": "true", text: label }));
    };
    return h("div", {}, thumbs, h("div", { class: "row" }, picker(textOf("take_photo"), true), picker(textOf("pick_photo"), false)));
  }

  commentBlock(item, a) {
    const key = item.key;
    const id = `c-${key.replace(/\W/g, "-")}`;
    const area = h("textarea", { id, placeholder: textOf("comment_hint") });
    area.value = (a && a.comment) || "";
    area.oninput = ({ target }) => this.typed(key + "#c", () => this.change(key, "comment", { value: target.value }));
    area.onblur = () => this.flushTyped(key + "#c");
    return h("div", {}, h("label", { class: "field-label", for: id, text: textOf("comment") }), area);
  }

  async addPhoto(key, file) {
    const audit = this.data.audit;
    const row = { id: uuid(), client: box.client, user: box.session.user, audit, key, at: new Date().toISOString(), state: "preparing" };
    box.photos.push(row);
    notify();
    try {
      const ready = await preparePhoto(file);
      Object.assign(row, ready, { state: "queued" });
      if (ready.thumb) box.thumbs.set(ready.sha, URL.createObjectURL(ready.thumb));
      await storeWithSeq("photos", row);
    } catch (e) {
      if (!row.sha) box.photos = box.photos.filter((p) => p !== row);
      storageFailed(e);
    }
    notify();
    kick(0);
  }

  openViewer(key, sha) {
    const local = box.photos.find((p) => p.sha === sha && p.audit === this.data.audit);
    const src = local && local.blob ? URL.createObjectURL(local.blob) : box.thumbs.get(sha);
    const stored = (this.data.photos || {})[sha];
    const caption = h("input", { type: "text", maxlength: "200", "aria-label": textOf("caption"), placeholder: textOf("caption") });
    caption.value = (local && local.caption) || (stored && stored.caption) || "";
    caption.addEventListener("change", () => {
      if (local) local.caption = caption.value;
      this.change(key, "caption", { sha, value: caption.value });
    });
    const close = h("button", { type: "button", class: "close", text: "✕ " + textOf("close"), onclick: () => this.closeViewer() });
    this.viewer.replaceChildren(
      h("div", { class: "vbar" }, h("span", { text: textOf("caption") }), close),
      h("div", { class: "pic" }, src ? h("img", { src, alt: caption.value || textOf("photo_number", { n: 1 }) }) : null),
      h("div", { class: "vfoot" }, caption,
        stored && !(local && local.blob) ? h("a", { href: `?id=${encodeURIComponent(this.data.audit)}&photo=${sha}`, target: "_blank", rel: "noopener", text: textOf("open_full") }) : null,
        h("button", { type: "button", class: "danger", text: textOf("delete_photo"), onclick: () => {
          if (!confirm(textOf("delete_photo_confirm"))) return;
          const queued = box.photos.find((p) => p.sha === sha && p.audit === this.data.audit && p.state !== "sent");
          if (queued && !(box.upload && box.upload.id === queued.id)) dropPhoto(queued);
          else this.change(key, "remove_photo", { value: sha });
          this.closeViewer();
        } })));
    this.viewer.setAttribute("aria-label", textOf("caption"));
    this.viewer.hidden = false;
    close.focus();
  }

  closeViewer() {
    this.viewer.hidden = true;
    this.viewer.replaceChildren();
  }
}

export default async function (component) {
  const { data, parentElement, setTriggerValue, setStateValue } = component;
  if (!data) return undefined;
  let walk = parentElement.__walk;
  if (!walk) {
    walk = new Walk(parentElement);
    parentElement.__walk = walk;
  }
  await walk.update(data, { setTriggerValue, setStateValue });
  if (walk.review) {
    walk.reported = pendingFor(data.audit);
    setStateValue("pending", { audit: data.audit, count: walk.reported });
  }
  return () => { walk.destroy(); delete parentElement.__walk; };
}
