// Submit on the phone: when the page cannot reach the server (no signal) or answers are still
// on the phone, the review's Submit is the walk's own and goes into the outbox after the
// answers; photos still queued follow, and the server holds the audit until the last lands.
// Methods of Walk (element.js).

// The required answers and photos still missing, as audit/scoring/score.py's
// missing_for_submit sees them, counting what is on this phone (queued photos too) as given.
function missingOnPhone(data, vis, answers) {
  const out = [];
  for (const s of data.sections) {
    if (vis.hiddenSections.has(s.id) || vis.naSections.has(s.id)) continue;
    for (const item of s.items) {
      if (vis.hidden.has(item.key)) continue;
      const a = answers[item.key];
      if (item.must && item.type !== "photo" && !isAnswered(a)) out.push([item.key, "answer"]);
      if (a && a.na) continue;
      const photographed = !!a && (a.photos || []).length > 0;
      const wanted = item.photo === "required" || (item.type === "photo" && item.must)
        || (item.photo === "on_fail" && isFinding(item, a));
      if (wanted && !photographed) out.push([item.key, "photo"]);
    }
  }
  return out;
}

const LOCATE_WAIT_MS = 10000;

function learnStatus(audit, status) {
  box.status.set(audit, status);
  if (status.submitted) box.locked.add(audit);
  notify();
}

Object.assign(Walk.prototype, {
  // submitted: on this phone (queued), or known to the server (holding for photos, or done)
  submitState() {
    const audit = this.data.audit;
    const r = pendingReport(audit);
    const server = box.status.get(audit);
    if (this.data.arriving) box.locked.add(audit); // held for its photos: answers are final
    if (this.data.arriving || (server && server.submitted)) return { kind: "arriving", count: r.photos.length || this.data.arriving };
    if (r.submitted) return { kind: "queued", count: r.count };
    return { kind: "open", report: r };
  },

  submitBlock() {
    const state = this.submitState();
    if (state.kind === "arriving") {
      return h("div", { class: "submit-block", role: "status" },
        h("p", { class: "submit-note", text: state.count ? textOf("arriving", { count: state.count }) : textOf("submitted") }));
    }
    if (state.kind === "queued") {
      return h("div", { class: "submit-block", role: "status" },
        h("p", { class: "submit-note", text: textOf("submit_queued", { count: state.count }) }));
    }
    const offline = !box.online || !navigator.onLine;
    // online with the answers all sent, the review under the walk has the server's Submit
    if (!offline && !state.report.answers) return h("div", { class: "submit-block", hidden: true });
    const answers = this.answers();
    const missing = missingOnPhone(this.data, this.vis(answers), answers);
    const preparing = state.report.photos.some((p) => !p.sha);
    const note = missing.length ? textOf("submit_missing", { count: missing.length })
      : preparing ? textOf("submit_preparing") : offline ? textOf("submit_offline") : "";
    return h("div", { class: "submit-block" },
      note ? h("p", { class: "submit-note", text: note }) : null,
      h("button", { type: "button", class: "primary submit", disabled: missing.length > 0 || preparing,
        style: "width: 100%", text: textOf("submit"), onclick: () => this.submitOnPhone() }));
  },

  // The review drawn on the phone when the server cannot draw it (no signal, or the offline
  // page): how much is given, what is missing (each a way to its item), what the phone still
  // holds; never a score, which waits for the answers to reach the server.
  phoneReviewShown() {
    return !!(this.api && this.api.standalone) || !box.online || !navigator.onLine;
  },

  phoneReview(answers, vis) {
    if (!this.phoneReviewShown()) return h("div", { class: "phone-review", hidden: true });
    const shown = this.shownSections(vis);
    const counts = progress(shown, vis, answers);
    const [done, total] = counts[""];
    const held = pendingFor(this.data.audit);
    const missing = this.submitState().kind === "open" ? missingOnPhone(this.data, vis, answers) : [];
    const titles = new Map(this.sections().map((s) => [s.id, s.title]));
    return h("div", { class: "phone-review", role: "region", "aria-label": textOf("review") },
      h("p", { class: "review-note", text: textOf("review_offline") }),
      h("p", { class: "review-given", text: textOf("review_given", { done, total }) }),
      held ? h("p", { class: "review-held", text: textOf("review_on_phone", { count: held }) }) : null,
      h("ul", { class: "review-sections" }, ...shown.map((s) => {
        const [d, n] = counts[s.id];
        return h("li", { text: `${d === n ? "●" : d ? "◐" : "○"} ${s.title} · ${d}/${n}` });
      })),
      missing.length ? h("p", { class: "review-missing", text: textOf("review_missing", { count: missing.length }) }) : null,
      ...missing.map(([key, what]) => {
        const item = this.items.get(key);
        return h("button", { type: "button", class: "missing", "data-missing": key,
          text: `${textOf("missing_" + what)}: ${titles.get(item.section)} › ${item.text}`,
          onclick: () => this.openItem(key) });
      }));
  },

  // a missing item opened from the phone's review: its section, the item focused
  openItem(key) {
    const item = this.items.get(key);
    if (!item) return;
    this.focus = key;
    this.go(item.section);
  },

  submitOnPhone() {
    const audit = this.data.audit;
    const r = pendingReport(audit);
    if (r.submitted || r.photos.some((p) => !p.sha)) return;
    const answers = this.answers();
    if (missingOnPhone(this.data, this.vis(answers), answers).length) return;
    this.flushTyping();
    enqueue(audit, "submit", audit, { value: { photos: r.photos } });
    box.locked.add(audit);
    this.locateSubmit(audit);
    this.reviewRefresh();
  },

  // Where the phone is at the moment of Submit, with or without a signal (the position comes
  // from the phone itself): the queued submit waits for it in the outbox (sync.js skips a
  // submit in box.locating) and carries it; no position within the wait, none is sent. Asked
  // only where the person has allowed it already (the review's position prompt asks first).
  locateSubmit(audit) {
    const row = box.entries.find((e) => e.audit === audit && e.kind === "submit" && mine(e));
    if (!row || !navigator.geolocation || !navigator.permissions) return;
    box.locating.add(row.id);
    const settle = (position) => {
      if (!box.locating.delete(row.id)) return;
      if (position) {
        row.value = { ...row.value, position };
        run(["outbox"], "readwrite", (t) => { t.objectStore("outbox").put(row); })
          .then(() => kick(0), storageFailed);
      } else kick(0);
    };
    setTimeout(() => settle(null), LOCATE_WAIT_MS + 1000);
    navigator.permissions.query({ name: "geolocation" }).then((p) => {
      if (p.state !== "granted") { settle(null); return; }
      navigator.geolocation.getCurrentPosition(
        (p) => settle({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy,
          at: new Date(p.timestamp || Date.now()).toISOString() }),
        () => settle(null), { enableHighAccuracy: true, timeout: LOCATE_WAIT_MS, maximumAge: 60000 });
    }, () => settle(null));
  },

  // on the review: the submit block drawn again, Python told what the phone holds, and once
  // the server has the submit, asked to draw the audit as it now is
  reviewRefresh() {
    this.markView();
    const answers = this.answers();
    const mine = this.page.querySelector(".phone-review");
    if (mine) morph(mine, this.phoneReview(answers, this.vis(answers)));
    const block = this.page.querySelector(".submit-block");
    if (block) morph(block, this.submitBlock());
    const r = pendingReport(this.data.audit);
    const sig = JSON.stringify(r);
    if (this.reported !== sig) {
      this.reported = sig;
      this.api.setStateValue("pending", r);
    }
    // each step of it (held, a photo in, whole) redraws the page: Python reads the store
    const server = box.status.get(this.data.audit);
    const told = server && server.submitted ? JSON.stringify(server) : null;
    if (told && this.toldSubmitted !== told) {
      this.toldSubmitted = told;
      this.api.setStateValue("server", { audit: this.data.audit, status: server });
    }
  },
});
