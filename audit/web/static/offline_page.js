// The offline page (/offline, and what the service worker shows for any page of the app the
// network cannot bring): the audit kept on this phone (offline.js), walked by the same Walk
// as in the app, its changes queued in the same outbox and sent when the signal returns.

const WORDS = JSON.parse(document.getElementById("offline-words").textContent);
const say = (key, lang) => (WORDS[lang] || WORDS.en)[key] || key;

function pageLang(walks) {
  if (walks.length && walks[0].lang) return walks[0].lang;
  const nav = (navigator.language || "en").slice(0, 2);
  return WORDS[nav] ? nav : "en";
}

function note(text) {
  const p = document.getElementById("offline-note");
  p.textContent = text;
}

// back to the app at this very page (the offline page's own address opens the audit in it)
function backOnline(lang, audit) {
  const link = document.getElementById("offline-back");
  const own = location.pathname.endsWith("/offline");
  link.href = own ? `./${audit ? `?id=${encodeURIComponent(audit)}` : ""}` : location.href;
  link.textContent = say("back", lang);
  link.hidden = !navigator.onLine;
}

async function openOffline() {
  let walks = [];
  try { walks = (await offlineWalks()) || []; } catch (e) { console.error(e); }
  walks.sort((a, b) => (a.kept < b.kept ? 1 : -1));
  const lang = pageLang(walks);
  document.documentElement.lang = lang;
  document.title = say("title", lang);
  const id = new URLSearchParams(location.search).get("id");
  const data = id ? walks.find((w) => w.audit === id) : walks.length === 1 ? walks[0] : null;
  const again = () => backOnline(lang, data && data.audit);
  again();
  addEventListener("online", again);
  addEventListener("offline", again);
  if (!data) {
    note(say(walks.length ? "pick" : "nothing", lang));
    const list = document.getElementById("offline-list");
    for (const w of walks) {
      const a = document.createElement("a");
      a.href = `?id=${encodeURIComponent(w.audit)}`;
      a.textContent = `${w.title || w.audit} · ${new Date(w.kept).toLocaleString(w.lang)}`;
      const li = document.createElement("li");
      li.append(a);
      list.append(li);
    }
    return;
  }
  note(say("opened", lang));
  const host = document.getElementById("offline-walk");
  const root = host.attachShadow({ mode: "open" });
  root.append(document.getElementById("walk-template").content.cloneNode(true));
  const walk = new Walk(root);
  // no Python here: the walk draws its own review from what the phone holds
  const api = { standalone: true, setStateValue: () => {} };
  await walk.update({ ...data, view: "", nav: 0, focus: null }, api);
}

openOffline();
