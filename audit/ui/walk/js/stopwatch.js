// The wait-time stopwatch: "started waiting" is saved at once, "served" ends it; the live
// "waiting since" line ticks every second. Methods of Walk (element.js).

function elapsedText(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m} ${textOf("minutes")} ${String(s).padStart(2, "0")} ${textOf("seconds")}`;
}

Object.assign(Walk.prototype, {
  tick() {
    for (const el of this.page.querySelectorAll("[data-since]")) {
      const text = this.since(el.dataset.since);
      if (el.textContent !== text) el.textContent = text;
    }
  },

  since(start) {
    const since = Date.parse(start);
    const time = new Date(since).toLocaleTimeString(this.data.lang, { hour: "2-digit", minute: "2-digit" });
    return textOf("waiting_since", { time, elapsed: elapsedText(Date.now() - since) });
  },

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
  },
});
