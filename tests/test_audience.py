"""Who sees what of an audit: every surface (app pages, PDFs, e-mails, exports) for every reader.

One mystery audit carries every fact the audience policy rules on: the shopper's name, a
reopen by HQ with its reason, the phone's position and a photo's GPS, a photo flagged as like
74 others, the reviewer's comment and send-back note, a resubmit, the reviewer's grade of the
shopper, the publication, a withdrawal and a new publication. Each surface is rendered for
each reader (on each backend) and read back as text; each fact's markers must appear exactly where
`audit.people.audience` allows them. A new surface needs one row in SURFACES.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from audit import workflow
from audit.audits import capture as audits
from audit.audits import evidence
from audit.checklist.templates import get_checklist
from audit.model import Audit, Location, User
from audit.notify import outbox as notify
from audit.people import access, accounts, audience
from audit.reports import export
from audit.review import steps as review
from audit.store import Store
from audit.ui.common import close_app_stores
from audit.visits.proof import Position
from tests.conftest import answer_mini, make_store, photograph, populate
from tests.test_notify import Inbox, smtp_server  # noqa: F401  the real SMTP server, a fixture

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "streamlit_app.py")
AUDITS = "audit/ui/pages/audits.py"
ARBAT = Location("loc-a", "Арбат", "Москва", address="ул. Арбат, 1", lat=55.7520, lon=37.5930,
                 tz="Europe/Moscow")
FLAGS = 74  # re-use flags on the one photo, as the demo's HQ copy had

# each fact's marker texts (English; the Russian regressions are below)
MARKERS: dict[str, tuple[str, ...]] = {
    audience.SHOPPER_IDENTITY: ("zelda",),
    audience.SHOPPER_GRADE: ("GRADEMARK", "graded 2/5"),
    audience.REVIEW_COMMENTS: ("COMMENTMARK", "SENDBACKMARK"),
    audience.REVIEW_STEPS: ("Resubmitted", "Sent back to the shopper"),
    audience.POSITIONS: ("Position at", "GPS 55.75231", "Proof of visit"),
    audience.PHOTO_REUSE: ("similar photo", "looks like a photo", "71 more"),
    audience.INTERNAL_NOTES: ("REOPENMARK", "Unpublished"),
}
READERS = ("shopper", "manager", "reviewer", "hq")


@dataclass
class World:
    store: Store
    people: dict[str, User]
    audit_id: str
    photo: str  # the flagged photo's sha256
    port: int
    inbox: Inbox
    cache: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @property
    def audit(self) -> Audit:
        found = self.store.get_audit(self.audit_id)
        assert found is not None
        return found


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def build(store: Store) -> tuple[dict[str, User], str, str]:
    """The audit with every fact, walked through the real steps."""
    people = populate(store)
    store.put_location(ARBAT)
    zelda = accounts.create_user(store, "zelda", "shopper", "secret-pass", locations=("loc-a",))
    rex = accounts.create_user(store, "rex", "reviewer", "secret-pass", regions=("Москва",))
    boss = people["hq"]
    for name in ("zelda", "rex", "boss", "mia"):
        accounts.update_user(store, name, email=f"{name}@example.test", lang="en")
    people = {"shopper": zelda, "reviewer": rex, "hq": store.get_user("boss"),  # type: ignore[dict-item]
              "manager": store.get_user("mia")}  # type: ignore[dict-item]
    audit_id = audits.start_audit(store, zelda, location_id="loc-a", template_id="mini",
                                  mode="mystery", lang="en").id
    answer_mini(store, zelda, audit_id, entrance__dry=False)
    photograph(store, zelda, audit_id, "office.facade")
    ref = evidence.add_photo(store, zelda, audit_id, "entrance.dry", jpeg()).ref
    flagged = dataclasses.replace(ref, gps=(55.75231, 37.59342),
                                  flags=tuple(f"similar:other-{n:02d}" for n in range(FLAGS)))
    store.save_photo_ref(audit_id, flagged)
    workflow.submit(store, zelda, audit_id, position=Position(lat=55.7521, lon=37.5928, accuracy=15.0))
    audits.reopen(store, boss, audit_id, "REOPENMARK the visit date is wrong")
    workflow.submit(store, zelda, audit_id)
    review.comment(store, rex, audit_id, "entrance.clean", "COMMENTMARK photo of the mat, please")
    review.send_back(store, rex, audit_id, "SENDBACKMARK two things to fix")
    audits.answer(store, zelda, audit_id, "entrance.clean", value=4)
    workflow.submit(store, zelda, audit_id)
    review.grade(store, rex, audit_id, 2, "GRADEMARK Фото размыты")
    workflow.publish_reviewed(store, rex, audit_id)
    workflow.publish(store, boss, audit_id, False)
    workflow.publish(store, boss, audit_id, True)
    return people, audit_id, ref.sha256


@pytest.fixture(scope="module", params=["tinydb", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          smtp_server: tuple[int, Inbox]) -> Iterator[World]:  # noqa: F811
    """The audit, once per backend; the app reads the same store (a folder, or the database)."""
    folder = tmp_path_factory.mktemp("audience")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIT_DATA_DIR", str(folder / "data"))
        store = make_store(request.param, folder, request)
        if request.param == "postgres":
            mp.setenv("AUDIT_DATABASE_URL", store.url)  # type: ignore[attr-defined]
        else:
            mp.delenv("AUDIT_DATABASE_URL", raising=False)
        people, audit_id, photo = build(store)
        port, inbox = smtp_server
        yield World(store, people, audit_id, photo, port, inbox)
        close_app_stores()


# -- reading each surface back as text ----------------------------------------------------------


def screen(at: AppTest) -> str:
    """Everything the page shows as text: Markdown (escapes undone), notes, captions, tables,
    widget labels and values."""
    assert not at.exception, at.exception
    parts = [str(p.value) for p in (*at.markdown, *at.error, *at.warning, *at.info, *at.success,
                                    *at.caption, *at.text, *at.header, *at.subheader, *at.title)]
    parts += [str(e.label) for e in at.expander]
    for widget in (*at.text_input, *at.text_area):
        parts += [str(widget.label), str(widget.value)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(re.sub(r"\\(.)", r"\1", p).replace("\u2060", "") for p in parts)


def pdf_text(pdf: bytes) -> str:
    """Every page's text with line breaks as spaces: a table cell may wrap anywhere."""
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def app(w: World, reader: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    at.session_state["_token"] = accounts.start_session(w.store, w.people[reader])
    return at.run()


def app_audit(w: World, reader: str) -> str:
    at = app(w, reader)
    at.query_params["id"] = w.audit_id
    text = screen(at.switch_page(AUDITS).run())
    assert "Read-only" in text  # the reader opened the audit itself
    return text


def app_photo(w: World, reader: str) -> str:
    at = app(w, reader)
    at.query_params["id"] = w.audit_id
    at.query_params["photo"] = w.photo
    text = screen(at.switch_page(AUDITS).run())
    assert "Back" in [link.label for link in at.get("page_link")] or "Uploaded" in text
    return text


def app_page(page: str, roles: tuple[str, ...]) -> Callable[[World, str], str | None]:
    def render(w: World, reader: str) -> str | None:
        if reader not in roles:
            return None  # the page is not in this role's navigation
        return screen(app(w, reader).switch_page(f"audit/ui/pages/{page}.py").run())

    return render


def app_actions(query: str) -> Callable[[World, str], str | None]:
    """The actions page opened on the audit's action plan (?audit=) or on one of its actions (?id=)."""
    def render(w: World, reader: str) -> str | None:
        if reader not in ("manager", "reviewer", "hq"):
            return None  # a shopper never sees what a branch fixes
        made = w.store.audit_actions(w.audit_id, "loc-a")
        assert made, "the audit's findings made no actions"
        at = app(w, reader)
        at.query_params[query] = w.audit_id if query == "audit" else made[0].id
        return screen(at.switch_page("audit/ui/pages/actions.py").run())

    return render


def audit_pdf(w: World, reader: str) -> str:
    user = w.people[reader]
    return pdf_text(workflow.audit_pdf(w.store, w.audit, lang="en", reader=user, viewer=user))


def network_pdf(w: World, reader: str) -> str | None:
    if not access.may(w.people[reader], access.NETWORK_REPORT):
        return None
    rows = [r for r in w.store.list_summaries() if r.status == "submitted"]
    locations = {loc.id: loc for loc in w.store.list_locations()}
    return pdf_text(workflow.network_pdf(w.store, rows, locations, get_checklist(w.store, "mini"),
                                         lang="en", date_from=None, date_to=None, region=None))


def mails(w: World) -> dict[str, str]:
    """Each recipient's e-mails, subjects, bodies and attached PDFs' text, drained once."""
    key = ("mail", "*")
    if key not in w.cache:
        w.inbox.got.clear()
        settings = notify.SmtpSettings(host="127.0.0.1", port=w.port, security="none",
                                       sender="audit@example.test",
                                       app_url="https://audit.example.test", timeout=5.0)
        assert workflow.drain_outbox(w.store, settings).failed == 0
        got: dict[str, list[str]] = {}
        for rcpts, msg in w.inbox.got:
            parts = [str(msg["Subject"]), msg.get_body(("plain",)).get_content()]  # type: ignore[union-attr]
            parts += [pdf_text(a.get_content()) for a in msg.iter_attachments()]
            for r in rcpts:
                got.setdefault(r, []).extend(parts)
        w.cache[key] = "\x00".join(f"{r}\x01{' '.join(p)}" for r, p in got.items())
    raw = w.cache[key] or ""
    return dict(item.split("\x01", 1) for item in raw.split("\x00") if item)


def mail(w: World, reader: str) -> str:
    return mails(w).get(f"{w.people[reader].name}@example.test", "")


def exported(fmt: str, *, cli: bool) -> Callable[[World, str], str | None]:
    def render(w: World, reader: str) -> str | None:
        if not access.may(w.people[reader], access.EXPORT):
            return None
        rows = [r for r in w.store.list_summaries() if r.status == "submitted"]
        files = (export.export(w.store, fmt=fmt, leaves_app=True) if cli  # as `audit export` does
                 else export.export_rows(w.store, rows, fmt=fmt, reader=w.people[reader]))
        if fmt == "csv":
            return " ".join(data.decode("utf-8-sig") for data in files.values())
        sheets = pd.read_excel(io.BytesIO(files["xlsx"]), sheet_name=None)
        return " ".join(df.to_csv() for df in sheets.values())

    return render


@dataclass(frozen=True)
class Surface:
    render: Callable[[World, str], str | None]  # None: this reader cannot open it at all
    carries: frozenset[str]  # facts it must show where allowed (the others may be absent)
    leaves_app: bool = False  # a file that may be forwarded (audience.LEAVES_THE_APP)


ALL = frozenset(audience.FACTS)
SURFACES: dict[str, Surface] = {
    "app: the audit (review panel, proof, history)": Surface(app_audit, ALL - {audience.PHOTO_REUSE}),
    "app: a photo": Surface(app_photo, frozenset({audience.POSITIONS, audience.PHOTO_REUSE})),
    "app: home (lists, review queue)": Surface(
        app_page("audits", READERS), frozenset()),
    "app: actions": Surface(app_page("actions", ("manager", "reviewer", "hq")), frozenset()),
    "app: the audit's action plan": Surface(app_actions("audit"), frozenset()),
    "app: one of its actions": Surface(app_actions("id"), frozenset()),
    "app: locations": Surface(app_page("locations", ("manager", "hq")), frozenset()),
    "app: dashboard": Surface(app_page("dashboard", ("hq",)), frozenset()),
    "app: visit plan": Surface(app_page("plan", ("hq",)), frozenset()),
    "app: review queue": Surface(app_page("review", ("hq",)), frozenset()),
    "PDF: the audit": Surface(audit_pdf, ALL, leaves_app=True),
    "PDF: the network": Surface(network_pdf, frozenset(), leaves_app=True),
    "e-mail with its attachment": Surface(mail, frozenset(), leaves_app=True),
    "export: CSV from the dashboard": Surface(exported("csv", cli=False),
                                              frozenset({audience.SHOPPER_IDENTITY})),
    "export: XLSX from the dashboard": Surface(exported("xlsx", cli=False),
                                               frozenset({audience.SHOPPER_IDENTITY})),
    "export: CSV from the CLI": Surface(exported("csv", cli=True), frozenset(), leaves_app=True),
}


def rendered(w: World, surface: str, reader: str) -> str | None:
    key = (surface, reader)
    if key not in w.cache:
        w.cache[key] = SURFACES[surface].render(w, reader)
    return w.cache[key]


def found(text: str, fact: str) -> list[str]:
    if fact == audience.SHOPPER_IDENTITY:  # a name: as a word, in any case
        return re.findall(r"(?i)\bzelda\b", text)
    return [m for m in MARKERS[fact] if m in text]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("surface", list(SURFACES))
def test_each_surface__shows_each_reader_exactly_what_the_policy_allows(
        world: World, surface: str, reader: str) -> None:
    text = rendered(world, surface, reader)
    if text is None:
        return  # nothing to read: the reader cannot open this surface (access decides that)
    row = SURFACES[surface]
    view = audience.view_of(world.people[reader], world.audit.header, leaves_app=row.leaves_app)
    for fact in audience.FACTS:
        seen = found(text, fact)
        if not view.sees(fact):
            assert not seen, f"{surface} shows {reader} {fact}: {seen}"
        elif fact in row.carries:
            assert seen, f"{surface} hides {fact} from {reader}, who may see it"


def test_every_reader_opens_something(world: World) -> None:
    """The matrix cannot pass by reading nothing: each reader opens the audit, its photo and
    its PDF; the manager gets the e-mail with the PDF; HQ the network PDF and the exports."""
    for reader in READERS:
        for surface in ("app: the audit (review panel, proof, history)", "app: a photo", "PDF: the audit"):
            assert rendered(world, surface, reader), (surface, reader)
    assert "Mini check" in mail(world, "manager") and "%PDF" not in mail(world, "manager")
    assert "History of the audit" in mail(world, "manager")  # the attachment was read
    for reader in ("manager", "reviewer", "hq"):
        plan = rendered(world, "app: the audit's action plan", reader) or ""
        assert "The entrance is dry" in plan, reader
        assert "From the audit of" in (rendered(world, "app: one of its actions", reader) or ""), reader
    for surface in ("PDF: the network", "export: CSV from the dashboard", "export: CSV from the CLI"):
        assert rendered(world, surface, "hq")


# -- the two defects found by a new user --------------------------------------------------------


def test_branch_copy__no_grade_or_review_of_the_shopper__pdf_mail_and_page(world: World) -> None:
    """The manager's screen, the branch's PDF and the PDF on the manager's e-mail used to show
    «Отчёт покупателя оценён на 2/5: Фото размыты…» and the reviewer's words to the shopper."""
    w = world
    branch_ru = pdf_text(workflow.branch_pdf(w.store, w.audit_id, "ru"))
    manager_ru = pdf_text(workflow.audit_pdf(w.store, w.audit, lang="ru", reader=w.people["manager"],
                                             viewer=w.people["manager"]))
    hq_ru = pdf_text(workflow.audit_pdf(w.store, w.audit, lang="ru", reader=w.people["hq"]))
    assert "Отчёт покупателя оценён на 2/5: GRADEMARK Фото размыты" in hq_ru
    for text in (branch_ru, manager_ru):
        assert "История аудита" in text and "Опубликован для точки" in text
        for leak in ("оценён на", "Фото размыты", "Комментарий к", "Возвращён покупателю",
                     "Отправлен снова", "COMMENTMARK", "SENDBACKMARK", "REOPENMARK"):
            assert leak not in text
    page = rendered(w, "app: the audit (review panel, proof, history)", "manager") or ""
    assert "Published to the branch" in page and "graded" not in page


def test_hq_copy__a_photo_lists_three_reuse_flags_then_how_many_more(world: World) -> None:
    w = world
    hq_ru = pdf_text(workflow.audit_pdf(w.store, w.audit, lang="ru", reader=w.people["hq"]))
    shown = hq_ru.count(f"и ещё {FLAGS - 3}")  # the photo is on page 1 and in its section
    assert shown >= 1 and hq_ru.count("похоже на фото из аудита") == 3 * shown
    hq_en = rendered(w, "PDF: the audit", "hq") or ""
    assert hq_en.count("looks like a photo from audit") == 3 * hq_en.count(f"+{FLAGS - 3} more") > 0
    photo = rendered(w, "app: a photo", "hq") or ""
    assert photo.count("very similar photo in another audit") == 3 and f"+{FLAGS - 3} more" in photo


# -- the policy itself ---------------------------------------------------------------------------


def test_policy__every_reader_has_a_rule_for_every_fact() -> None:
    for kind, rules in audience.POLICY.items():
        assert set(rules) == set(audience.FACTS), kind
        assert set(rules.values()) <= {audience.YES, audience.NO, audience.OWN, audience.SELF}


def test_policy__a_reader_without_a_row_sees_none_of_the_facts(world: World) -> None:
    token = audience.Reader("api:read-scores")
    assert audience.view_of(token, world.audit.header).facts == frozenset()


def test_policy__an_unknown_fact_or_copy_is_refused_by_name(world: World) -> None:
    with pytest.raises(ValueError, match="unknown fact 'gps'"):
        audience.may_see(world.people["hq"], "gps", world.audit.header)
    with pytest.raises(ValueError, match="copy 'shopper' is unknown"):
        audience.reader_for("shopper")


def test_policy__a_self_audit_names_its_auditor_to_the_branch_even_in_a_pdf(world: World) -> None:
    header = dataclasses.replace(world.audit.header, mode="self", auditor="mia")
    for leaves in (False, True):
        view = audience.view_of(world.people["manager"], header, leaves_app=leaves)
        assert view.sees(audience.SHOPPER_IDENTITY) and not view.sees(audience.POSITIONS)
    assert not audience.view_of(world.people["hq"], world.audit.header, leaves_app=True).sees(
        audience.SHOPPER_IDENTITY)


def test_history__the_branch_sees_one_submit_and_one_publication(world: World) -> None:
    header = world.audit.header
    kinds = [e["type"] for e in header.events]
    assert kinds.count("submitted") == 3 and kinds.count("published") == 2
    branch = [e["type"] for e in audience.shown_events(audience.view_of(audience.BRANCH, header),
                                                       header.events)]
    assert branch == ["started", "submitted", "published"]
    hq = audience.shown_events(audience.view_of(audience.HQ_READER, header), header.events)
    assert [e["type"] for e in hq] == kinds


@pytest.mark.parametrize(("kind", "approved", "words", "audits"), [
    ("hq", False, True, True), ("hq", True, True, True), ("manager", False, False, False),
    ("manager", True, True, False), ("api:network", False, False, True),
    ("api:network", True, True, True), ("api:scoped", True, True, False),
    ("api:scoped", False, False, False)])
def test_customer_voice__words_once_approved_audits_beside_gaps_for_the_network(
        kind: str, approved: bool, words: bool, audits: bool) -> None:
    reader = audience.Reader(kind)
    assert audience.may_read_customer_words(reader, approved=approved) is words
    assert audience.sees_audits_beside_voice(reader) is audits
