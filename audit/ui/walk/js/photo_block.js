// An item's photos: the thumbnails with their sending state, the camera and gallery
// pickers, the viewer with the caption and delete. Methods of Walk (element.js).

Object.assign(Walk.prototype, {
  queuedFor(key) {
    return box.photos.filter((p) => p.audit === this.data.audit && p.key === key && mine(p) && p.state !== "sent");
  },

  photoBlock(item, a) {
    const key = item.key;
    const shas = (a && a.photos) || [];
    const thumbs = h("div", { class: "thumbs" });
    shas.forEach((sha, i) => {
      const local = box.photos.find((p) => p.sha === sha && p.audit === this.data.audit);
      let tag = "";
      if (local && local.state !== "sent") {
        tag = box.upload && box.upload.id === local.id ? textOf("photo_sending", { percent: box.upload.percent }) : textOf("photo_queued");
      }
      const src = box.thumbs.get(sha);
      thumbs.append(h("button", { type: "button", class: "thumb", "aria-label": textOf("photo_number", { n: i + 1 }),
        onclick: () => this.openViewer(key, sha) },
        src ? h("img", { src, alt: "", width: "72", height: "72" }) : h("span", { text: String(i + 1) }),
        tag ? h("span", { class: "tag", text: tag }) : null));
    });
    for (const p of this.queuedFor(key).filter((p) => !p.sha)) {
      thumbs.append(h("span", { class: "thumb" }, h("span", { class: "tag", text: textOf("processing") })));
    }
    const picker = (label, capture) => {
      const input = h("input", { type: "file", accept: "image/*,.heic,.heif", multiple: !capture, capture: capture ? "environment" : null, "aria-label": label });
      input.onchange = (ev) => {
        const files = [...ev.target.files];
        ev.target.value = "";
        for (const f of files) this.addPhoto(key, f);
      };
      return h("label", { class: "pick" }, input, h("span", { "aria-hidden": "true", text: label }));
    };
    return h("div", {}, thumbs, h("div", { class: "row" }, picker(textOf("take_photo"), true), picker(textOf("pick_photo"), false)));
  },


  async addPhoto(key, file) {
    const audit = this.data.audit;
    const row = { id: uuid(), client: box.client, user: box.session.user, audit, key, at: new Date().toISOString(), state: "preparing" };
    box.photos.push(row);
    notify();
    try {
      const ready = await preparePhoto(file, sendBudget(this.data.limits));
      Object.assign(row, ready, { state: "queued" });
      if (ready.thumb) box.thumbs.set(ready.sha, URL.createObjectURL(ready.thumb));
      await storeWithSeq("photos", row);
    } catch (e) {
      if (!row.sha) box.photos = box.photos.filter((p) => p !== row);
      storageFailed(e);
    }
    notify();
    kick(0);
  },

  openViewer(key, sha) {
    const local = box.photos.find((p) => p.sha === sha && p.audit === this.data.audit);
    const src = local && local.blob ? URL.createObjectURL(local.blob) : box.thumbs.get(sha);
    const stored = (this.data.photos || {})[sha];
    const caption = h("input", { type: "text", maxlength: (this.data.limits || {}).caption || null, "aria-label": textOf("caption"), placeholder: textOf("caption") });
    caption.value = (local && local.caption) || (stored && stored.caption) || "";
    caption.addEventListener("change", () => {
      if (local) local.caption = caption.value;
      this.change(key, "caption", { sha, value: caption.value });
    });
    const close = h("button", { type: "button", class: "close", text: "✕ " + textOf("close"), onclick: () => this.closeViewer() });
    this.viewer.replaceChildren(
      h("div", { class: "vbar" }, h("span", { text: textOf("caption") }), close),
      h("div", { class: "pic" }, src ? h("img", { src, alt: caption.value || textOf("photo_number", { n: 1 }) }) : null),
      h("div", { class: "vfoot" }, caption,
        stored && !(local && local.blob) ? h("a", { href: `?id=${encodeURIComponent(this.data.audit)}&photo=${sha}`, target: "_blank", rel: "noopener", text: textOf("open_full") }) : null,
        h("button", { type: "button", class: "danger", text: textOf("delete_photo"), onclick: () => {
          if (!confirm(textOf("delete_photo_confirm"))) return;
          const queued = box.photos.find((p) => p.sha === sha && p.audit === this.data.audit && p.state !== "sent");
          if (queued && !(box.upload && box.upload.id === queued.id)) dropPhoto(queued);
          // the server's id of the upload names the photo once it has one; the hash stays beside it for the screen
          else this.change(key, "remove_photo", { value: (local && local.photo) || sha, sha });
          this.closeViewer();
        } })));
    this.viewer.setAttribute("aria-label", textOf("caption"));
    this.viewer.hidden = false;
    close.focus();
  },

  closeViewer() {
    this.viewer.hidden = true;
    this.viewer.replaceChildren();
  },
});
