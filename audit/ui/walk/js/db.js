// IndexedDB: the phone's store of unsent changes (outbox), photos and a few facts (meta).

const DB_NAME = "audit-field";

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
