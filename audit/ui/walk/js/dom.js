// Drawing: h() builds a node, morph() merges a freshly drawn one into what is on screen.

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
