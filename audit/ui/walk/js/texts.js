// The words of the page's language (data.texts), with {name} placeholders filled in.

let TEXTS = {};
function textOf(name, params = {}) {
  let s = TEXTS[name] || name;
  for (const [k, v] of Object.entries(params)) s = s.split(`{${k}}`).join(String(v));
  return s;
}
