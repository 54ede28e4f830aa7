// The cards: an item's question, its control per type, the N/A of an item or a whole
// section, the comment. Methods of Walk (element.js).

const SPAN = /^\s*(\d{1,2})(?::(\d{2}))?\s*[-–—]\s*(\d{1,2})(?::(\d{2}))?\s*$/;

function parseSpan(text) {
  if (!text.trim()) return null;
  const m = SPAN.exec(text);
  if (!m) throw new Error("bad");
  const two = (x) => String(+x).padStart(2, "0");
  return [`${two(m[1])}:${m[2] || "00"}`, `${two(m[3])}:${m[4] || "00"}`];
}

Object.assign(Walk.prototype, {

  card(item, a) {
    const key = item.key;
    const err = box.errors.get(`${this.data.audit}|${key}`);
    const head = h("div", { class: "head" },
      h("p", { class: "q" }, item.text,
        item.critical ? h("span", { class: "badge crit", text: textOf("critical") }) : null,
        item.required ? h("span", { class: "req", "aria-label": textOf("required"), title: textOf("required"), text: "*" }) : null),
      this.stateMark(item, a));
    const card = h("section", { class: "card", "data-key": key, "aria-label": item.text }, head);
    card.dataset.sig = JSON.stringify([a, err, this.photoState(key)]);
    if (item.guidance) card.append(h("details", {}, h("summary", { text: textOf("guidance") }), h("p", { class: "guide", text: item.guidance })));
    card.append(this.control(item, a || { value: null, na: false, comment: "", photos: [] }));
    const want = needsPhoto(item, a);
    const photos = (a && a.photos) || [];
    if (want && !photos.length && !this.queuedFor(key).length) card.append(h("p", { class: "warn", text: textOf("photo_needed") }));
    if (item.type === "photo") card.append(this.photoBlock(item, a));
    const extra = h("details", { class: "extra" },
      h("summary", { text: textOf("photos_comment", { photos: photos.length }) + (a && a.comment ? " · ✎" : "") }),
      item.type === "photo" ? null : this.photoBlock(item, a),
      this.commentBlock(item, a));
    if (want || photos.length || (a && a.comment)) extra.open = true;
    card.append(extra);
    if (err) card.append(h("p", { class: "err", role: "alert", text: textOf("not_saved", { message: err }) }));
    return card;
  },

  // "This section does not apply": one tap with the checklist's reason, or a reason typed
  sectionNa(section, vis) {
    const err = box.errors.get(`${this.data.audit}|${section.id}`);
    const out = h("div", { class: "section-na", "data-section": section.id });
    const reason = vis.naSections.get(section.id);
    if (reason !== undefined) {
      out.append(h("p", { class: "live", text: textOf("section_na_done", { reason }) }),
        h("button", { type: "button", "data-act": "section-na-undo", text: textOf("section_na_undo"),
          onclick: () => this.change(section.id, "answer", { value: "", na: false }) }));
    } else if (section.na_reason) {
      out.append(h("button", { type: "button", class: "wide", "data-act": "section-na",
        text: textOf("section_na_tap", { reason: section.na_reason }),
        onclick: () => this.change(section.id, "answer", { value: section.na_reason, na: true }) }));
    } else {
      out.append(h("details", {},
        h("summary", { text: textOf("section_na") }),
        h("input", { type: "text", maxlength: (this.data.limits || {}).reason || null, "aria-label": textOf("section_na_reason"),
          placeholder: textOf("section_na_reason") }),
        h("button", { type: "button", "data-act": "section-na", text: textOf("section_na"), onclick: () => {
          const field = this.page.querySelector(`[data-section="${CSS.escape(section.id)}"] input`);
          const typed = field ? field.value.trim() : "";
          if (typed) this.change(section.id, "answer", { value: typed, na: true });
          else if (field) field.focus();
        } })));
    }
    if (err) out.append(h("p", { class: "err", role: "alert", text: textOf("not_saved", { message: err }) }));
    return out;
  },

  naButton(item, a) {
    if (!item.na) return null;
    return h("button", { type: "button", "aria-pressed": String(!!a.na), text: textOf("na"),
      onclick: () => this.change(item.key, "answer", a.na ? { value: null, na: false } : { value: null, na: true }) });
  },

  naToggle(item, a) {
    if (!item.na) return null;
    const box_ = h("input", { type: "checkbox", onchange: (ev) => this.change(item.key, "answer", { na: ev.target.checked }) });
    box_.checked = !!a.na;
    return h("label", { class: "check" }, box_, textOf("na_long"));
  },

  choiceRow(item, a, options, cls) {
    const row = h("div", { class: "opts " + cls, role: "group", "aria-label": item.text });
    for (const [value, label] of options) {
      const on = !a.na && a.value === value;
      row.append(h("button", { type: "button", "aria-pressed": String(on), text: label,
        onclick: () => this.change(item.key, "answer", on ? { value: null, na: false } : { value, na: false }) }));
    }
    const na = this.naButton(item, a);
    if (na) row.append(na);
    return row;
  },

  control(item, a) {
    const key = item.key;
    switch (item.type) {
      case "yes_no":
        return this.choiceRow(item, a, [[true, textOf("yes")], [false, textOf("no")]], "seg");
      case "scale": {
        const opts = [];
        for (let i = item.scale[0]; i <= item.scale[1]; i++) opts.push([i, String(i)]);
        return this.choiceRow(item, a, opts, "seg");
      }
      case "choice":
        return this.choiceRow(item, a, (item.options || []).map((o) => [o.id, o.text]), "chips");
      case "multi": {
        const chosen = Array.isArray(a.value) ? a.value : [];
        const row = h("div", { class: "opts chips", role: "group", "aria-label": item.text });
        for (const o of item.options || []) {
          const on = chosen.includes(o.id);
          row.append(h("button", { type: "button", "aria-pressed": String(on), text: o.text, onclick: () => {
            const next = on ? chosen.filter((x) => x !== o.id) : chosen.concat([o.id]);
            this.change(key, "answer", { value: next, na: false });
          } }));
        }
        return h("div", {}, row, this.naToggle(item, a));
      }
      case "number": {
        const input = h("input", { type: "number", inputmode: "decimal", min: "0", step: "any", "aria-label": item.text + (item.unit ? ` (${item.unit})` : ""), placeholder: item.unit || "" });
        input.value = a.value === null || a.value === undefined ? "" : String(a.value);
        input.onchange = (ev) => {
          const n = ev.target.value === "" ? null : Number(ev.target.value);
          if (n !== null && (!isFinite(n) || n < 0)) return;
          this.change(key, "answer", { value: n });
        };
        return h("div", {}, input, this.naToggle(item, a));
      }
      case "wait_time": return this.stopwatch(item, a);
      case "hours": return this.hours(item, a);
      case "typo_check": return this.typos(item, a);
      case "text": {
        const area = h("textarea", { placeholder: textOf("type_here"), "aria-label": item.text, maxlength: (this.data.limits || {}).text || null });
        area.value = a.value || "";
        const save = (text) => this.change(key, "answer", { value: text.trim() ? text : null });
        area.oninput = ({ target }) => this.typed(key, () => save(target.value));
        area.onblur = () => this.flushTyped(key);
        return area;
      }
      default:
        return h("div");
    }
  },



  hours(item, a) {
    const key = item.key;
    const week = a.value && typeof a.value === "object" ? a.value : {};
    const out = h("div");
    if (this.data.hours) {
      out.append(h("button", { type: "button", text: textOf("fill_hours"), onclick: () => {
        const filled = {};
        for (const d of DAYS) filled[d] = this.data.hours[d] || null;
        this.change(key, "answer", { value: filled });
      } }));
    }
    out.append(h("p", { class: "hint", text: textOf("hours_hint") }));
    const grid = h("div", { class: "days" });
    for (const d of DAYS) {
      const id = `h-${key.replace(/\W/g, "-")}-${d}`;
      const span = week[d];
      const input = h("input", { id, type: "text", inputmode: "numeric", placeholder: textOf("closed"), autocomplete: "off", "data-day": d });
      input.value = span ? `${span[0]}–${span[1]}` : "";
      input.onchange = (ev) => {
        const value = {};
        try {
          for (const day of ev.target.closest(".days").querySelectorAll("input[data-day]")) {
            value[day.dataset.day] = parseSpan(day.value);
          }
        } catch (e) {
          box.errors.set(`${this.data.audit}|${key}`, textOf("bad_hours"));
          notify();
          return;
        }
        this.change(key, "answer", { value });
      };
      grid.append(h("label", { for: id, text: textOf(`day.${d}`) }, input));
    }
    return h("div", {}, out, grid, this.naToggle(item, a));
  },

  typos(item, a) {
    const key = item.key;
    const v = a.value && typeof a.value === "object" ? a.value : {};
    const area = h("textarea", { "aria-label": textOf("paste_site_text"), placeholder: textOf("paste_site_text") });
    area.value = v.text || "";
    const save = (text) => this.change(key, "answer", { value: text.trim() ? { text, typos: v.typos || [] } : null });
    area.oninput = ({ target }) => this.typed(key, () => save(target.value), 1200);
    area.onblur = () => this.flushTyped(key);
    const out = h("div", {}, h("label", { class: "field-label", text: textOf("paste_site_text") }), area);
    const server = ((box.snapshots.get(this.data.audit) || { answers: {} }).answers[key] || {}).value || {};
    const current = v.text && server.text === v.text;
    if (v.text && !current) {
      out.append(h("p", { class: "hint", text: navigator.onLine && box.online ? textOf("typos_checking") : textOf("typos_offline") }));
    } else if (v.text) {
      if (server.checked) {  // only part of the text was checked: the server says why
        const chars = Number(server.checked_chars || 0).toLocaleString(this.data.lang);
        out.append(h("p", { class: "hint warn", text: textOf(`typos_${server.checked}`, { chars }) }));
      }
      const flagged = server.flagged || [];
      if (!flagged.length) out.append(h("p", { class: "hint", text: textOf("no_suspects") }));
      else {
        const row = h("div", { class: "opts chips", role: "group", "aria-label": textOf("confirm_typos") });
        const typos = v.typos || [];
        for (const w of flagged) {
          const on = typos.includes(w);
          row.append(h("button", { type: "button", "aria-pressed": String(on), text: w, onclick: () => {
            const next = on ? typos.filter((x) => x !== w) : typos.concat([w]);
            this.change(key, "answer", { value: { text: v.text, typos: next } });
          } }));
        }
        out.append(h("p", { class: "hint", text: textOf("confirm_typos") }), row);
      }
    }
    return h("div", {}, out, this.naToggle(item, a));
  },



  commentBlock(item, a) {
    const key = item.key;
    const id = `c-${key.replace(/\W/g, "-")}`;
    const area = h("textarea", { id, placeholder: textOf("comment_hint"), maxlength: (this.data.limits || {}).comment || null });
    area.value = (a && a.comment) || "";
    area.oninput = ({ target }) => this.typed(key + "#c", () => this.change(key, "comment", { value: target.value }));
    area.onblur = () => this.flushTyped(key + "#c");
    return h("div", {}, h("label", { class: "field-label", for: id, text: textOf("comment") }), area);
  },

});
