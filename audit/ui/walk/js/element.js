// The element: one Walk per mount; it holds the audit's data, moves between sections and
// the review, draws the page, the progress and the status line. The cards and their
// controls (items.js), the stopwatch (stopwatch.js) and the photos (photo_block.js) add
// their methods to it.

class Walk {
  constructor(root) {
    this.root = root;
    this.el = root.querySelector("[data-walk]");
    this.page = this.el.querySelector(".page");
    this.status = this.el.querySelector(".status");
    this.statusText = this.status.querySelector(".status-text");
    this.viewer = this.el.querySelector(".viewer");
    this.section = null;
    this.nav = -1;
    this.typing = new Map();
    this.listener = () => this.refresh();
    box.listeners.add(this.listener);
    // A tap answers when the finger lifts, not when the browser has made a click of it (after
    // its gesture wait, :active styles, mouse events and a focus change); that click is then
    // cancelled. Keyboards and screen readers still click as usual. The finger is heard on the
    // window, first of all: a modal of Streamlit's (its connection notice, open while the
    // socket is down) stops pointer events outside it on the document, before the walk.
    const inWalk = (ev) => { const path = ev.composedPath(); return path.includes(this.el) ? path[0] : null; };
    this.onDown = (ev) => { if (inWalk(ev)) this.down = [ev.clientX, ev.clientY]; };
    this.onUp = (ev) => { const target = inWalk(ev); if (target) this.fastTap(ev, target); };
    window.addEventListener("pointerdown", this.onDown, true);
    window.addEventListener("pointerup", this.onUp, true);
    this.el.addEventListener("touchend", (ev) => {
      if (this.tapped && ev.cancelable) ev.preventDefault();
      this.tapped = false;
    }, { passive: false });
    this.el.addEventListener("click", (ev) => {
      const b = ev.target.closest && ev.target.closest("button");
      if (b && b.tappedAt && ev.timeStamp - b.tappedAt < 1000) { ev.preventDefault(); ev.stopPropagation(); }
    }, true);
    this.ticker = setInterval(() => this.tick(), 1000);
    this.onKey = (ev) => { if (ev.key === "Escape" && !this.viewer.hidden) this.closeViewer(); };
    document.addEventListener("keydown", this.onKey);
  }

  fastTap(ev, target) {
    if (ev.pointerType !== "touch" || !ev.isPrimary) return;
    const b = target.closest && target.closest("button");
    if (!b || b.disabled || typeof b.onclick !== "function" || !this.down) return;
    // a finger that slid off the button is not a tap on it (a scroll never gets here at all)
    if (Math.hypot(ev.clientX - this.down[0], ev.clientY - this.down[1]) > 12) return;
    const typing = b.getRootNode().activeElement;
    if (typing && typing !== b && ["INPUT", "TEXTAREA", "SELECT"].includes(typing.tagName)) typing.blur();
    this.tapped = true;
    b.tappedAt = ev.timeStamp;
    const screen = this.shown;
    b.onclick(ev);
    if (this.shown !== screen) this.endGesture(ev.timeStamp);
  }

  // A tap that moved to another screen is spent there. The button it lifted off has left the
  // page, so its touchend never reaches the walk to be cancelled, and the browser goes on to
  // make the tap's mouse events and click, hit-tested where the finger was: on the new
  // screen's controls (an answer chosen, a comment box opened). Those are swallowed before anything sees them,
  // on the whole document (the review under the walk too), until the click has passed, the
  // next touch or key begins, or a second is over.
  endGesture(at) {
    const kinds = ["mousedown", "mouseup", "click", "dblclick", "contextmenu"];
    const swallow = (e) => {
      if (e.timeStamp - at > 1000) { off(); return; }
      e.preventDefault();
      e.stopImmediatePropagation();
      if (e.type === "click") off();
    };
    const off = () => {
      for (const k of kinds) window.removeEventListener(k, swallow, true);
      window.removeEventListener("pointerdown", off, true);
      window.removeEventListener("keydown", off, true);
    };
    if (this.endsGesture) this.endsGesture();
    this.endsGesture = off;
    for (const k of kinds) window.addEventListener(k, swallow, true);
    window.addEventListener("pointerdown", off, true);
    window.addEventListener("keydown", off, true);
  }

  destroy() {
    if (this.endsGesture) this.endsGesture();
    window.removeEventListener("pointerdown", this.onDown, true);
    window.removeEventListener("pointerup", this.onUp, true);
    delete document.documentElement.dataset.walk;
    box.listeners.delete(this.listener);
    clearInterval(this.ticker);
    document.removeEventListener("keydown", this.onKey);
  }

  async update(data, api) {
    this.api = api;
    TEXTS = data.texts;
    box.session = { user: data.user, csrf: data.csrf, lang: data.lang };
    box.signedOut = false;
    const lim = data.limits || {};
    if (lim.sync_wait) box.syncWait = 1000 * lim.sync_wait;
    if (lim.sync_retry_max) box.retryMax = 1000 * lim.sync_retry_max;
    const fresh = !this.data || this.data.audit !== data.audit;
    const snap = box.snapshots.get(data.audit);
    if (fresh || !snap || (this.data && this.data.digest !== data.digest)) {
      box.snapshots.set(data.audit, { answers: data.answers, digest: data.digest });
    }
    for (const [sha, p] of Object.entries(data.photos || {})) if (p.thumb && !box.thumbs.has(sha)) box.thumbs.set(sha, p.thumb);
    this.data = data;
    this.navSig = null;
    this.items = new Map();
    for (const s of data.sections) for (const it of s.items) this.items.set(it.key, { ...it, section: s.id });
    this.el.setAttribute("lang", data.lang);
    await box.ready;
    const ids = data.sections.map((s) => s.id);
    // Python moves the walk only when its navigation count changes; a run for anything else
    // leaves the walk where the shopper has already taken it on the phone. The walk's own moves
    // to and from the review reach Python as a state value naming this count (see go()), and
    // Python takes them without counting a move of its own: nothing comes back to be undone.
    if (fresh || data.nav !== this.nav) {
      this.review = data.view === "review";
      const asked = ids.includes(data.view) ? data.view : null;
      const onPhone = sectionOnPhone(data.audit);
      this.section = (data.nav > 0 && asked) || onPhone || (ids.includes(data.section) ? data.section : ids[0]);
      if (asked && asked !== this.section) this.section = asked;
      this.nav = data.nav;
      this.focus = data.focus;
    }
    this.render();
    kick(0, fresh);
  }

  sections() { return this.data.sections; }

  vis(answers) { return visibility(this.sections(), this.data.conditions || {}, answers || this.answers()); }

  // the sections a condition does not leave out, in the checklist's order
  shownSections(vis) { return this.sections().filter((s) => !vis.hiddenSections.has(s.id)); }

  // the section to show: the current one, or the next one that shows when an answer hid it
  currentSection(vis) {
    const all = this.sections();
    const at = Math.max(0, all.findIndex((s) => s.id === this.section));
    return all.slice(at).find((s) => !vis.hiddenSections.has(s.id)) || null;
  }

  // Every move shows at once on the phone; Python hears of the review (it draws it below) and
  // of leaving it (it stops drawing it). It hears by a state value, not a trigger: a trigger
  // lives only in the one script run it starts, and the next rerun request (the review's
  // "pending" report, sent in the same tick) stops that run before it reads it, so the review
  // never came. A state value goes with every later run until the walk changes it.
  go(id) {
    if (id === (this.review ? "review" : this.section)) return;
    this.flushTyping();
    const leaving = this.review;
    this.review = id === "review";
    if (!this.review) {
      this.section = id;
      enqueue(this.data.audit, "section", id, {});
    }
    this.render();
    this.toTop();
    if (this.review || leaving) this.tellView();
  }

  // where the walk is, after which of Python's moves (component.phone_view reads it)
  tellView() {
    if (!this.api || !this.data) return;
    const view = this.review ? "review" : this.section;
    this.api.setStateValue("view", { audit: this.data.audit, view, nav: this.nav });
  }

  move(step) {
    const vis = this.vis();
    const ids = this.shownSections(vis).map((s) => s.id).concat(["review"]);
    const current = this.currentSection(vis);
    const at = this.review || !current ? ids.length - 1 : ids.indexOf(current.id);
    const next = ids[Math.min(ids.length - 1, Math.max(0, at + step))];
    if (next) this.go(next);
  }

  toTop() {
    let node = this.root.host || this.el;
    while (node) {
      if (node.scrollTop) node.scrollTop = 0;
      node = node.parentElement || (node.getRootNode && node.getRootNode().host) || null;
    }
    if (document.scrollingElement) document.scrollingElement.scrollTop = 0;
  }

  answers() { return answersOf(this.data.audit); }

  change(key, kind, fields) {
    enqueue(this.data.audit, kind, key, fields);
  }

  flushTyping() {
    for (const [key, fn] of this.typing) { fn(); this.typing.delete(key); }
  }

  flushTyped(key) {
    const run = this.typing.get(key);
    if (run) run();
  }

  // `fn` runs later: it must hold the element itself, since an event's target is cleared once
  // its dispatch out of the shadow root ends
  typed(key, fn, ms = 700) {
    clearTimeout((this.typing.get(key) || {}).timer);
    const run = () => { clearTimeout(run.timer); this.typing.delete(key); fn(); };
    run.timer = setTimeout(run, ms);
    this.typing.set(key, run);
  }

  // -- drawing ---------------------------------------------------------------------------------

  render() {
    const answers = this.answers();
    const vis = this.vis(answers);
    this.visSig = JSON.stringify([[...vis.hidden], [...vis.hiddenSections], [...vis.naSections]]);
    if (!this.review && !this.currentSection(vis)) { this.go("review"); return; } // the rest is hidden
    this.drawNav(answers, vis);
    // The review Python draws under the walk is hidden the moment the walk leaves it, so a
    // section never pushes the old review down the screen while the server catches up.
    this.markView();
    const fresh = h("div", { class: "page" });
    if (this.review) fresh.append(h("h2", { text: textOf("review") }), this.phoneReview(answers, vis), this.submitBlock());
    else {
      const section = this.currentSection(vis);
      fresh.append(h("h2", { text: section.title }));
      if (section.description) fresh.append(h("p", { class: "desc", text: section.description }));
      if (section.na) fresh.append(this.sectionNa(section, vis));
      if (!vis.naSections.has(section.id)) {
        for (const item of section.items) {
          if (!vis.hidden.has(item.key)) fresh.append(this.card(this.items.get(item.key), answers[item.key]));
        }
      }
      const ids = this.shownSections(vis).map((s) => s.id);
      const at = ids.indexOf(section.id);
      const last = at === ids.length - 1;
      fresh.append(h("div", { class: "bottom" },
        at > 0 ? h("button", { type: "button", onclick: () => this.move(-1), text: "‹ " + textOf("back") }) : null,
        h("button", { type: "button", class: "primary", onclick: () => this.move(1),
          text: (last ? textOf("review") : textOf("next")) + " ›" })));
    }
    // the same screen drawn again keeps what is open and focused; another one starts afresh
    const shown = this.review ? "review" : this.currentSection(vis).id;
    if (this.shown === shown) morph(this.page, fresh);
    else this.page.replaceChildren(...fresh.childNodes);
    this.shown = shown;
    this.refreshStatus();
    if (this.focus && !this.review) {
      const card = this.page.querySelector(`[data-key="${CSS.escape(this.focus)}"]`);
      this.focus = null;
      if (card) {
        card.classList.add("focus");
        card.scrollIntoView({ block: "center" });
        const first = card.querySelector("button, input, textarea, select");
        if (first) first.focus({ preventScroll: true });
      }
    }
  }

  // Python's review under the walk shows only on the review, and only while the server can
  // draw it: without a signal the walk draws its own (submit.js) and the server's, as it was
  // when the link went, is not shown beside it
  markView() {
    const mark = !this.review ? "section" : this.phoneReviewShown() ? "phone-review" : "review";
    if (document.documentElement.dataset.walk !== mark) document.documentElement.dataset.walk = mark;
  }

  drawNav(answers, vis) {
    vis = vis || this.vis(answers);
    const shownSections = this.shownSections(vis);
    // an item hidden by a condition is not counted; a section answered N/A counts as done
    const counts = progress(shownSections, vis, answers);
    const [done, total] = counts[""];
    const here = this.review ? null : this.currentSection(vis);
    const current = here ? here.id : "review";
    const sig = JSON.stringify([counts, current]);
    if (sig === this.navSig) {
      const jump = this.el.querySelector(".jump");
      if (jump.value !== current) jump.value = current;
      return;
    }
    this.navSig = sig;
    const pct = total ? Math.round((100 * done) / total) : 0;
    const text = textOf("progress", { done, total });
    const options = shownSections.map((s) => {
      const [d, n] = counts[s.id];
      const mark = d === n ? "●" : d ? "◐" : "○";
      return h("option", { value: s.id, text: `${mark} ${s.title} · ${d}/${n}` });
    });
    options.push(h("option", { value: "review", text: "✔ " + textOf("review") }));
    // drawn fresh, merged into what is on screen: only what changed is touched
    morph(this.el.querySelector(".top"), h("div", { class: "top" },
      h("div", { class: "progress", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
        "aria-valuenow": String(pct), "aria-label": text },
        h("div", { class: "bar" }, h("div", { class: "fill", style: `width: ${pct}%` })),
        h("p", { class: "progress-text", text })),
      h("nav", { class: "nav" },
        h("button", { type: "button", class: "icon prev", "data-act": "prev", "aria-label": textOf("back"),
          disabled: !this.review && shownSections[0].id === current, text: "‹", onclick: () => this.move(-1) }),
        h("select", { class: "jump", "data-act": "jump", "aria-label": textOf("sections"),
          onchange: (ev) => this.go(ev.target.value) }, ...options),
        h("button", { type: "button", class: "icon next primary", "data-act": "next", "aria-label": textOf("next"),
          disabled: this.review, text: "›", onclick: () => this.move(1) }))));
    const jump = this.el.querySelector(".jump");
    if (jump.value !== current) jump.value = current;
  }

  refresh() {
    if (!this.data) return;
    const answers = this.answers();
    const vis = this.vis(answers);
    // an answer that shows or hides items or sections, or a section skipped: the page again
    if (JSON.stringify([[...vis.hidden], [...vis.hiddenSections], [...vis.naSections]]) !== this.visSig) {
      this.render();
      return;
    }
    this.drawNav(answers, vis);
    this.refreshStatus();
    if (this.review) {
      this.reviewRefresh(); // submit.js
      return;
    }
    for (const card of this.page.querySelectorAll(".card")) {
      const key = card.dataset.key;
      const item = this.items.get(key);
      const a = answers[key];
      const sig = JSON.stringify([a, box.errors.get(`${this.data.audit}|${key}`), this.photoState(key)]);
      if (card.dataset.sig === sig) continue;
      this.replaceCard(card, item, a);
    }
  }

  // a card drawn again keeps what the shopper opened, the focus and the element under the thumb
  replaceCard(card, item, a) {
    morph(card, this.card(item, a));
  }

  photoState(key) {
    return box.photos.filter((p) => p.audit === this.data.audit && p.key === key)
      .map((p) => [p.id, p.state, p.sha, box.upload && box.upload.id === p.id ? box.upload.percent : -1]);
  }

  // Every mark a card can show is drawn in the same place and only the current one is seen:
  // the place is as wide as the widest, so the question beside it keeps its lines and nothing
  // below the card moves when "on this phone" becomes "saved".
  stateMark(item, a) {
    const err = box.errors.get(`${this.data.audit}|${item.key}`);
    const now = err ? "refused" : a && a.pending ? "pending" : a && isDone(item, a) ? "saved" : "";
    return h("span", { class: "state" + (now ? " " + now : "") },
      ...["pending", "saved", "refused"].map((k) => h("span", { class: "mark " + k, text: textOf("item_" + k) })));
  }

  refreshStatus() {
    const count = this.data ? pendingFor(this.data.audit) : 0;
    let kind = "saved";
    let text = textOf("all_saved");
    if (box.noStorage) { kind = "no_storage"; text = textOf("no_storage"); }
    else if (box.signedOut && count) { kind = "signed_out"; text = textOf("signed_out", { count }); }
    else if (!box.online || !navigator.onLine) { kind = "offline"; text = count ? textOf("offline", { count }) : textOf("offline_none"); }
    else if (count) {
      kind = "waiting";
      text = textOf(box.sending ? "sending" : "waiting", { count });
      if (box.upload) text += " · " + textOf("photo_sending", { percent: box.upload.percent });
    }
    if (this.status.dataset.state === kind && this.status.dataset.count === String(count)
        && this.statusText.textContent === text) return;
    this.status.className = "status " + kind;
    this.status.dataset.state = kind;
    this.status.dataset.count = String(count);
    this.statusText.textContent = text;
  }

}
