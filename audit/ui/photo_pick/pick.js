// The element: the photos chosen are made light (photos.js) and sent one after the other to
// data.url with a percentage; each one stored is told to Python (the "landed" trigger).

function say(root, text) { root.querySelector("[data-state]").textContent = text; }

function words(data, name, params = {}) {
  let s = (data.texts || {})[name] || name;
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

function send(root, data, ready) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", data.url);
    xhr.setRequestHeader("X-CSRF-Token", data.csrf);
    xhr.setRequestHeader("X-Lang", data.lang);
    xhr.setRequestHeader("X-Photo-Report", encodeURIComponent(JSON.stringify(ready.report || {})));
    xhr.setRequestHeader("Content-Type", ready.blob.type || "application/octet-stream");
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) say(root, words(data, "sending", { percent: Math.floor((100 * ev.loaded) / ev.total) }));
    };
    xhr.onerror = () => resolve({ ok: false, text: words(data, "offline") });
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 200) resolve({ ok: true, sha: body.sha });
      else resolve({ ok: false, text: words(data, "refused", { message: body.message || xhr.status }) });
    };
    xhr.send(ready.blob);
  });
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
        const got = await send(root, d, ready);
        say(root, got.ok ? words(d, "added") : got.text);
        if (!got.ok) break;
        setTriggerValue("landed", { sha: got.sha, at: Date.now() });
      }
    };
    root.querySelector("[data-camera]").addEventListener("change", chosen);
    root.querySelector("[data-gallery]").addEventListener("change", chosen);
  }
  return undefined;
}
