// Sending: the outbox to /api/sync in order, in batches, then the queued photos to
// /api/photo; a reply's answers and digest are learnt (outbox.js) for the screen.

const BATCH = 50;
const PULL_EVERY = 20000;

// A sync given up after this long (SYNC_WAIT_SECONDS, from the element's data.limits): on a
// dropping link a socket can stay half-open, and a fetch on it never ends by itself; the lane
// would wait behind it for ever. Given up, the batch is sent again (the server acknowledges a
// change it already has without applying it twice: client id + sequence).
const SYNC_WAIT_MS = 15000;
const RETRY_MAX_MS = 15000;

// The reply read whole within the wait (a reply can hang half-way too): {status, ok, json()}.
async function post(url, body, extra = {}) {
  const headers = { "Content-Type": "application/json", "X-CSRF-Token": box.session.csrf, "X-Lang": box.session.lang, ...extra };
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), box.syncWait || SYNC_WAIT_MS);
  try {
    const r = await fetch(url, { method: "POST", credentials: "same-origin", headers, body: JSON.stringify(body), signal: ctl.signal });
    const text = await r.text();
    return { status: r.status, ok: r.ok, json: async () => JSON.parse(text) };
  } finally {
    clearTimeout(timer);
  }
}

// Two lanes, each with its own lock, timer and pace: answers and comments never wait behind a
// photo on a slow link (a tap made while a photo uploads is sent at once beside it); a caption
// or a removal of a photo still on the phone waits in the changes lane until that photo is up.
const LANES = {
  changes: { name: "audit-outbox", sending: false, again: false, timer: null, delay: 1000, round: changesRound },
  photos: { name: "audit-photos", sending: false, again: false, timer: null, delay: 1000, round: sendPhotos },
};

function kickLane(lane, ms) {
  clearTimeout(lane.timer);
  lane.timer = setTimeout(() => { runLane(lane).catch((e) => console.error(e)); }, ms);
}

async function send() {
  await Promise.all(Object.values(LANES).map((lane) => runLane(lane)));
}

async function runLane(lane) {
  await box.ready;
  if (!box.session) return;
  if (lane.sending) { lane.again = true; return; } // sent as soon as the round under way ends
  lane.sending = true;
  lane.again = false;
  box.sending = true;
  try {
    const ok = navigator.locks ? await navigator.locks.request(lane.name, lane.round) : await lane.round();
    if (ok) { lane.delay = 1000; if (lane === LANES.changes) kickLane(lane, PULL_EVERY); }
    else { kickLane(lane, backoff(lane.delay)); lane.delay = Math.min(lane.delay * 2, box.retryMax || RETRY_MAX_MS); }
  } finally {
    lane.sending = false;
    box.sending = Object.values(LANES).some((l) => l.sending);
    if (lane.again) kickLane(lane, 0);
    notify();
  }
}

// the wait before the next try, spread by a quarter either way: phones that lost the same
// link do not all come back in the same second
function backoff(ms) {
  return Math.round(ms * (0.75 + Math.random() / 2));
}

async function changesRound() {
  for (let round = 0; round < 200; round++) {
    const waitingPhotos = new Set(box.photos.filter((p) => p.state !== "sent" && p.sha).map((p) => p.sha));
    const ready = box.entries.filter((e) => mine(e) && e.seq && !box.locating.has(e.id)
      && !((e.kind === "caption" && waitingPhotos.has(e.sha)) || (e.kind === "remove_photo" && waitingPhotos.has(e.sha || e.value))))
      .sort((a, b) => a.seq - b.seq);
    if (!ready.length) break;
    const audit = ready[0].audit;
    const batch = ready.filter((e) => e.audit === audit).slice(0, BATCH);
    if (!(await sendBatch(audit, batch))) return false;
  }
  const audits = [...box.snapshots.keys()];
  if (Date.now() - box.lastPull > PULL_EVERY && audits.length) {
    for (const a of audits) if (!(await sendBatch(a, []))) return false;
    box.lastPull = Date.now();
  }
  return true;
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
  // In flight until the answer has been read and what it acknowledged forgotten: a tap on the
  // same question meanwhile is a change of its own, never folded into one about to be forgotten.
  for (const e of batch) e.inflight = true;
  notify();
  try {
    return await exchange(audit, batch, changes, snap);
  } finally {
    for (const e of batch) e.inflight = false;
  }
}

async function exchange(audit, batch, changes, snap) {
  let r;
  try {
    r = await post("/api/sync", { audit, client: box.client, changes, known: snap ? snap.digest : null });
  } catch (err) { // no network, or no reply within the wait: sent again after a pause
    box.online = false;
    return false;
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
  if (out.status) learnStatus(audit, out.status);
  else if (batch.some((e) => e.kind === "submit" && acked.has(e.seq)) && !(out.refused || []).length) {
    learnStatus(audit, { submitted: true, arriving: 0 }); // acknowledged again: it was done before
  }
  notify();
  return true;
}

async function sendPhotos() {
  for (;;) {
    const p = box.photos.filter((x) => mine(x) && x.state !== "sent" && x.seq && x.blob).sort((a, b) => a.seq - b.seq)[0];
    if (!p) return true;
    const removed = box.entries.some((e) => e.kind === "remove_photo" && (e.sha || e.value) === p.sha && e.audit === p.audit);
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
        p.photo = body.photo || p.photo; // the server's id of this upload: what names it from now on
        delete p.blob; // the light copy has arrived; the thumbnail stays for the screen
        await run(["photos"], "readwrite", (t) => { t.objectStore("photos").put(p); }).catch(storageFailed);
        learn(p.audit, body);
        if (body.status) learnStatus(p.audit, body.status);
        notify();
        kickLane(LANES.changes, 0); // a caption or a removal waiting for this photo
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
