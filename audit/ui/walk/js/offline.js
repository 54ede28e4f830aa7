// A walk kept for opening without a signal: the audit's checklist, words and answers as last
// shown, in an IndexedDB of their own ("audit-offline", one row per audit). The offline page
// (audit/web/static/offline_page.js, served at /offline) opens it; the service worker
// (audit/web/static/sw.js) deletes the database when the person signs out. Never the outbox:
// that is db.js's.

const OFFLINE_DB = "audit-offline";

function offlineDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(OFFLINE_DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore("walks", { keyPath: "audit" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// one transaction, and the connection closed after it: a sign-out's deletion is never blocked
async function offlineRun(mode, fn) {
  const db = await offlineDb();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction("walks", mode);
      let out;
      Promise.resolve(fn(t.objectStore("walks"))).then((v) => { out = v; }, reject);
      t.oncomplete = () => resolve(out);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

function offlineWalks() {
  return offlineRun("readonly", (s) => done(s.getAll()));
}

// The walk as the page mounted it, minus the one-time ticket; another person's walks go.
function keepForOffline(data) {
  if (!data || !data.audit || !data.user) return Promise.resolve();
  const { ticket, ...kept } = data;
  kept.kept = new Date().toISOString();
  const snap = box.snapshots.get(data.audit); // what the phone has learnt since Python drew it
  if (snap) { kept.answers = snap.answers; kept.digest = snap.digest; }
  return offlineRun("readwrite", async (s) => {
    for (const row of (await done(s.getAll())) || []) if (row.user !== data.user) s.delete(row.audit);
    s.put(kept);
  }).catch((e) => console.error(e));
}

// The answers the phone learns from the server after the mount, kept beside the walk: what
// was sent and acknowledged is no longer in the outbox, and must not vanish from the offline
// page. Only a walk kept already is brought up to date (after a sign-out there is none).
const keptDigests = new Map();
box.listeners.add(() => {
  for (const [audit, snap] of box.snapshots) {
    if (!snap.digest || keptDigests.get(audit) === snap.digest) continue;
    keptDigests.set(audit, snap.digest);
    offlineRun("readwrite", async (s) => {
      const row = await done(s.get(audit));
      if (!row || !box.session || row.user !== box.session.user) return;
      row.answers = snap.answers;
      row.digest = snap.digest;
      s.put(row);
    }).catch((e) => console.error(e));
  }
});
