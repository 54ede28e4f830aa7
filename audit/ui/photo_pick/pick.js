// The element: each photo chosen is made light (photos.js) and kept in the phone's IndexedDB
// (the light copy, the original's capture time and GPS as photos.js read them) before a byte
// leaves; then sent to data.url with a percentage, one after the other. A photo leaves the
// phone's store only when the server has acknowledged it (or refused it for good): closing the
// page, losing the signal or moving on keeps it, and the element sends it when it is shown
// again or the signal returns. Each one stored is told to Python (the "landed" trigger).

const PICK_DB = "audit-pick";
const RETRY_MAX_MS = 60000;

let pickDb = null;
function pickStore(mode, fn) {
  if (!pickDb) {
    pickDb = new Promise((resolve, reject) => {
      const req = indexedDB.open(PICK_DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore("queue", { keyPath: "id" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return pickDb.then((db) => new Promise((resolve, reject) => {
    const t = db.transaction(["queue"], mode);
    let out;
    const req = fn(t.objectStore("queue"));
    if (req) req.onsuccess = () => { out = req.result; };
    t.oncomplete = () => resolve(out);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  }));
}

// the photos waiting for this element's route, oldest first
async function waiting(url) {
  const rows = (await pickStore("readonly", (s) => s.getAll())) || [];
  return rows.filter((r) => r.url === url).sort((a, b) => a.chosen - b.chosen);
}

function say(root, text) { root.querySelector("[data-state]").textContent = text; }

function words(data, name, params = {}) {
  let s = (data.texts || {})[name] || name;
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// one upload: "ok" (stored), "refused" (never to be sent again), "later" (kept, sent again)
function send(root, data, row, count) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", row.url);
    xhr.setRequestHeader("X-CSRF-Token", data.csrf);
    xhr.setRequestHeader("X-Lang", data.lang);
    xhr.setRequestHeader("X-Photo-Report", encodeURIComponent(JSON.stringify(row.report || {})));
    xhr.setRequestHeader("Content-Type", row.blob.type || "application/octet-stream");
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) say(root, words(data, "sending", { percent: Math.floor((100 * ev.loaded) / ev.total), count }));
    };
    xhr.onerror = () => resolve({ kind: "later" });
    xhr.ontimeout = xhr.onerror;
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 200) return resolve({ kind: "ok", sha: body.sha });
      const retry = parseInt(xhr.getResponseHeader("Retry-After") || "", 10);
      // signed out or a stale page: kept until a page that is signed in sends it
      if (xhr.status === 401 || xhr.status === 403 || xhr.status >= 500 || xhr.status === 429) {
        return resolve({ kind: "later", wait: isFinite(retry) ? retry * 1000 : null });
      }
      resolve({ kind: "refused", text: words(data, "refused", { message: body.message || xhr.status }) });
    };
    xhr.send(row.blob);
  });
}

// Send what waits, one at a time; one run per element at once. A photo that could not leave is
// tried again when the signal returns, or after a wait that grows to a minute.
async function pump(root, setTriggerValue) {
  if (root.__sending) { root.__again = true; return; }
  root.__sending = true;
  clearTimeout(root.__timer);
  try {
    for (;;) {
      root.__again = false;
      const d = root.__data;
      const rows = await waiting(d.url);
      if (!rows.length) { root.__delay = 0; return; }
      const got = await send(root, d, rows[0], rows.length);
      if (got.kind === "later") {
        say(root, words(d, "offline", { count: rows.length }));
        root.__delay = Math.min(RETRY_MAX_MS, got.wait || Math.max(2000, (root.__delay || 1000) * 2));
        root.__timer = setTimeout(() => pump(root, setTriggerValue), root.__delay);
        return;
      }
      root.__delay = 0;
      await pickStore("readwrite", (s) => s.delete(rows[0].id));
      if (got.kind === "refused") { say(root, got.text); continue; }
      say(root, words(d, "added"));
      setTriggerValue("landed", { sha: got.sha, at: Date.now() });
    }
  } catch (e) {
    say(root, String(e && e.message ? e.message : e)); // a phone without IndexedDB (private mode)
  } finally {
    root.__sending = false;
    if (root.__again) pump(root, setTriggerValue);
  }
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data) return undefined;
  const root = parentElement.querySelector("[data-pick]");
  root.__data = data;
  root.querySelector("[data-label]").textContent = data.label || "";
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = words(data, el.dataset.t);
  root.querySelector("[data-camera]").setAttribute("aria-label", words(data, "camera"));
  root.querySelector("[data-gallery]").setAttribute("aria-label", words(data, "gallery"));
  if (!root.__wired) {
    root.__wired = true;
    const chosen = async (ev) => {
      const files = [...ev.target.files];
      ev.target.value = "";
      for (const file of files) {
        const d = root.__data;
        say(root, words(d, "preparing"));
        const ready = await preparePhoto(file, sendBudget(d.limits));
        // kept on the phone before it is sent: a closed page or a lost signal loses nothing
        await pickStore("readwrite", (s) => s.put({
          id: newId(), url: d.url, blob: ready.blob, report: ready.report, sha: ready.sha, chosen: Date.now(),
        }));
      }
      pump(root, setTriggerValue);
    };
    root.querySelector("[data-camera]").addEventListener("change", chosen);
    root.querySelector("[data-gallery]").addEventListener("change", chosen);
    window.addEventListener("online", () => pump(root, setTriggerValue));
  }
  pump(root, setTriggerValue); // what an earlier visit left on the phone, or a page now signed in
  return undefined;
}
