// The walkthrough on the phone: every change is kept in IndexedDB first, shown at once, and
// sent to /api/sync in order when the network allows. One outbox per page (module scope),
// whatever Streamlit mounts and re-mounts.
//
// The outbox: what this phone still holds, and the answers as the phone shows them.

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
  sending: false, // either lane is sending
  upload: null, // {id, percent}
  status: new Map(), // audit -> {submitted, arriving}: what the server said of a submit
  locked: new Set(), // audits submitted on this phone: no change is taken any more
  locating: new Set(), // ids of queued submits waiting (briefly) for the phone's position
  listeners: new Set(),
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

window.addEventListener("online", () => { box.online = true; for (const l of Object.values(LANES)) l.delay = 1000; kick(0); notify(); });
window.addEventListener("offline", () => { box.online = false; notify(); });
document.addEventListener("visibilitychange", () => { if (!document.hidden) kick(0, true); });

// Both lanes of the outbox (sync.js): the changes and the photos, each at its own pace
function kick(ms = 0, pull = false) {
  if (pull) box.lastPull = 0;
  for (const lane of Object.values(LANES)) kickLane(lane, ms);
}

function mine(row) { return box.session && row.user === box.session.user; }

function pendingFor(audit) {
  const r = pendingReport(audit);
  return r.answers + r.photos.length;
}

// What the phone still holds of an audit, as the review reads it: the changes (answers,
// comments, moves) and the photos with their items; a photo being prepared counts as one.
function pendingReport(audit) {
  const answers = box.entries.filter((e) => e.audit === audit && mine(e) && e.kind !== "submit").length;
  const photos = box.photos.filter((p) => p.audit === audit && mine(p) && p.state !== "sent")
    .map((p) => ({ key: p.key, sha: p.sha || "" }));
  const submitted = box.entries.some((e) => e.audit === audit && mine(e) && e.kind === "submit");
  return { audit, count: answers + photos.length, answers, photos, submitted };
}

// The change goes into the page at once and into IndexedDB right after.
function enqueue(audit, kind, key, fields) {
  if (box.locked.has(audit)) return; // submitted: what was given is what is sent
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
    if (e.kind === "section" || e.kind === "caption" || e.kind === "submit") continue;
    const a = out[e.key] || (out[e.key] = { value: null, na: false, comment: "", photos: [] });
    a.pending = true;
    if (e.kind === "answer") {
      if ("value" in e) a.value = e.value;
      if (e.na !== undefined && e.na !== null) a.na = e.na;
      else if ("value" in e && e.value !== null) a.na = false;
    } else if (e.kind === "comment") a.comment = e.value;
    else if (e.kind === "add_photo" && !a.photos.includes(e.value)) a.photos.push(e.value);
    else if (e.kind === "remove_photo") a.photos = a.photos.filter((s) => s !== (e.sha || e.value));
  }
  for (const p of box.photos) {
    if (p.audit !== audit || !mine(p) || p.state === "sent" || !p.sha) continue;
    const a = out[p.key] || (out[p.key] = { value: null, na: false, comment: "", photos: [] });
    if (!a.photos.includes(p.sha) && !rows.some((e) => e.kind === "remove_photo" && (e.sha || e.value) === p.sha)) a.photos.push(p.sha);
    a.pending = true;
  }
  return out;
}

function sectionOnPhone(audit) {
  const moves = box.entries.filter((e) => e.audit === audit && e.kind === "section" && mine(e));
  return moves.length ? moves[moves.length - 1].key : null;
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
