"""Server time of one answer tap (AppTest), 60- and 240-item checklists, against a bare script.

The bare script renders the same screen's widgets (the sidebar, the section navigation, the
same six items with their guidance, photo and comment widgets) with fixed values and nothing
else: no sign-in, no store, no saving, no scoring. Taps alternate
between the three apps so machine noise hits them alike; medians of many taps.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest

from audit import accounts, audits
from audit.model import Location
from audit.store.tinydb import TinyStore
from audit.templates import add_template

ROOT = Path(__file__).resolve().parent.parent

SECTION = """
  - id: s{n}
    title: {{ru: "Раздел {n}", en: "Section {n}"}}
    items:
      - id: dry
        text: {{ru: "У входа сухо", en: "The entrance is dry"}}
        type: yes_no
        photo: on_fail
        guidance: {{ru: "Лужа — это «нет».", en: "A puddle means no."}}
      - id: clean
        text: {{ru: "Чистота", en: "Cleanliness"}}
        type: scale
        scale: {{min: 1, max: 5}}
        guidance: {{ru: "5 — безупречно.", en: "5 is spotless."}}
      - id: door
        text: {{ru: "Дверь", en: "Door"}}
        type: choice
        options:
          - {{id: open, text: {{ru: Открыта, en: Open}}, score: 1}}
          - {{id: heavy, text: {{ru: Тяжёлая, en: Heavy}}, score: 0.5}}
          - {{id: locked, text: {{ru: Заперта, en: Locked}}, score: 0}}
        guidance: {{ru: "Откройте сами.", en: "Open it yourself."}}
      - id: comforts
        text: {{ru: "Удобства", en: "Comforts"}}
        type: multi
        na: true
        options:
          - {{id: water, text: {{ru: Вода, en: Water}}, score: 0.5}}
          - {{id: wifi, text: {{ru: Wi-Fi, en: Wi-Fi}}, score: 0.5}}
        guidance: {{ru: "Что есть.", en: "What is there."}}
      - id: chairs
        text: {{ru: "Стулья", en: "Chairs"}}
        type: number
        bands: [{{max: 2, score: 0}}, {{score: 1}}]
        guidance: {{ru: "Посчитайте.", en: "Count them."}}
      - id: notes
        text: {{ru: "Заметки", en: "Notes"}}
        type: text
        guidance: {{ru: "Что запомнилось.", en: "What stood out."}}
"""


def checklist_yaml(template_id: str, sections: int) -> str:
    head = (f"id: {template_id}\nversion: 1\ntitle: {{ru: \"Тест\", en: \"Test\"}}\n"
            "levels: [{min: 0, key: disappointment}, {min: 60, key: average}, {min: 85, key: wow}]\n"
            "sections:\n")
    return head + "".join(SECTION.format(n=n) for n in range(sections))


BARE = '''
import streamlit as st

with st.sidebar:
    st.markdown("**sam** · Mystery shopper")
    st.segmented_control("Language", ["ru", "en"], default="en", key="lang.side",
                         label_visibility="collapsed")
    st.button("Sign out", key="signout")
st.caption("Арбат · Test · Mystery shopping")

@st.fragment
def section():
    st.progress(0.3, text="18 of 60 answered")
    nav = st.container(horizontal=True, gap="small", vertical_alignment="bottom")
    nav.button("", icon=":material/chevron_left:", key="nav.back")
    nav.selectbox("Section", [f"s{i}" for i in range(11)], key="nav.jump",
                  label_visibility="collapsed", width="stretch")
    nav.button("", icon=":material/chevron_right:", key="nav.next", type="primary")
    st.subheader("Section 0")
    for key, kind in [("s0.dry", "yes_no"), ("s0.clean", "scale"), ("s0.door", "choice"),
                      ("s0.comforts", "multi"), ("s0.chairs", "number"), ("s0.notes", "text")]:
        with st.container(border=True):
            st.markdown("**Item text** :gray[*]")
            with st.expander("How to judge"):
                st.markdown("Guidance")
            if kind == "yes_no":
                st.segmented_control("x", ["yes", "no"], key=key, label_visibility="collapsed",
                                     width="stretch")
            elif kind == "scale":
                st.segmented_control("x", [1, 2, 3, 4, 5], key=key, label_visibility="collapsed",
                                     width="stretch")
            elif kind == "choice":
                st.pills("x", ["open", "heavy", "locked"], key=key, label_visibility="collapsed")
            elif kind == "multi":
                st.pills("x", ["water", "wifi"], selection_mode="multi", key=key,
                         label_visibility="collapsed")
                st.checkbox("N/A", key=key + ".na")
            elif kind == "number":
                st.number_input("x", min_value=0.0, key=key, label_visibility="collapsed")
            else:
                st.text_area("x", key=key, label_visibility="collapsed")
            with st.expander("Photos (0) and comment"):
                st.file_uploader("Add photos", accept_multiple_files=True, key=key + ".photos")
                st.toggle("Camera", key=key + ".cam")
                st.text_area("Comment", key=key + ".comment")
    bottom = st.container(horizontal=True, gap="small")
    bottom.button("Next", key="nav.next2", type="primary", width="stretch")

section()
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--taps", type=int, default=60, help="timed taps per app")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tap-") as tmp:
        os.environ["AUDIT_DATA_DIR"] = str(Path(tmp) / "data")
        store = TinyStore(Path(tmp) / "data")
        store.put_location(Location(id="loc-a", name="Арбат", region="Москва"))
        add_template(store, checklist_yaml("t60", 10), by="bench")
        add_template(store, checklist_yaml("t240", 40), by="bench")
        shopper = accounts.create_user(store, "sam", "shopper", "bench-password",
                                       locations=("loc-a",))

        def app_for(template_id: str) -> AppTest:
            audit_id = audits.start_audit(store, shopper, location_id="loc-a",
                                          template_id=template_id, mode="mystery", lang="en").id
            at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
            at.session_state["lang"] = "en"
            at.session_state["_token"] = accounts.start_session(store, shopper)
            at.run()
            at.query_params["id"] = audit_id
            at.query_params["s"] = "s0"
            at.switch_page("audit/ui/pages/audits.py").run()
            assert not at.exception, at.exception
            return at

        apps = {"60": app_for("t60"), "240": app_for("t240"),
                "bare": AppTest.from_string(BARE, default_timeout=60).run()}
        timings: dict[str, list[float]] = {name: [] for name in apps}

        def tap(name: str, i: int) -> None:
            at = apps[name]
            widget = at.segmented_control(key="s0.dry")
            t0 = time.perf_counter()
            widget.set_value("yes" if i % 2 else "no").run()
            timings[name].append(time.perf_counter() - t0)
            assert not at.exception, at.exception

        for i in range(5):  # warm up every app
            for name in apps:
                tap(name, i)
        for name in timings:
            timings[name].clear()
        order = list(apps)
        for i in range(args.taps):
            for name in order[i % 3:] + order[: i % 3]:
                tap(name, i)
        saved = store.get_audit(apps["60"].query_params["id"])
        assert saved is not None and "s0.dry" in saved.answers  # the taps really saved

    med = {name: statistics.median(v) * 1000 for name, v in timings.items()}
    print(f"tap-scale: ratio={med['240'] / med['60']:.2f} "
          f"(240-item {med['240']:.1f} ms vs 60-item {med['60']:.1f} ms)")
    worst = max(med["60"], med["240"])
    print(f"tap: ratio={worst / med['bare']:.2f} ({worst:.1f} ms vs floor {med['bare']:.1f} ms)")


if __name__ == "__main__":
    main()
