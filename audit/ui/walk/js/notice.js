// Streamlit's connection notice ("Connection error", in English) opens as a modal dialog when
// the socket drops. The page's CSS hides it (audit/ui/common.py), but a hidden modal still
// made the rest of the page inert (and unscrollable), so for as long as it was open a tap on
// the walk reached nothing and was lost. While only such notices are open (a dialog the app
// opens always holds a block of elements), the notice itself is made inert, the page behind
// it is given its input back and <html data-notice> lets it scroll. One watcher per page,
// whatever Streamlit mounts. The notice is closed as soon as it opens (the walk's status line
// says the phone is offline, in the shopper's language).

function isNotice(dialog) {
  return !dialog.querySelector('[data-testid="stVerticalBlock"]');
}

function freePage() {
  const dialogs = [...document.querySelectorAll('[data-testid="stDialog"]')];
  const html = document.documentElement;
  if (!dialogs.length || !dialogs.every(isNotice)) {
    if (html.dataset.notice) delete html.dataset.notice;
    // a dialog of the app's own, taken for a notice before its content came, takes input
    for (const d of dialogs) if (d.dataset.notice) { d.inert = false; delete d.dataset.notice; }
    return;
  }
  if (!html.dataset.notice) html.dataset.notice = "1";
  for (const d of dialogs) {
    if (d.inert) continue;
    // closed at once, as the tap it used to take closed it: its watch on the page's input goes
    const close = d.querySelector('[role="dialog"] button');
    if (close) close.click();
    d.inert = true;
    d.dataset.notice = "1";
  }
  for (const el of document.body.children) {
    if (el.inert && !dialogs.some((d) => el === d || el.contains(d))) el.inert = false;
  }
}

if (!window.__auditFreePage) {
  window.__auditFreePage = new MutationObserver(freePage);
  window.__auditFreePage.observe(document.body, { childList: true, subtree: true, attributes: true,
    attributeFilter: ["inert"] });
}
