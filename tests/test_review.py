"""The review step on both stores: comment, send back, fix, resubmit, publish; grades; history."""

from __future__ import annotations

import dataclasses

import pytest

from audit import workflow
from audit.audits import capture as audits
from audit.core.errors import AuditLocked, NotFound
from audit.i18n import error_text
from audit.model import Location, User
from audit.people import accounts, audience
from audit.review import steps as review
from audit.store import AuditFilter, Store
from audit.visits.proof import distance_m
from tests.conftest import answer_mini, photograph

T0 = "2026-03-05T08:00:00+00:00"


def _submitted(store: Store, who: User, mode: str = "mystery") -> str:
    audit_id = audits.start_audit(store, who, location_id="loc-a", template_id="mini", mode=mode,
                                  lang="en", now=T0).id
    answer_mini(store, who, audit_id)
    photograph(store, who, audit_id, "office.facade")
    workflow.submit(store, who, audit_id, now="2026-03-05T09:00:00+00:00")
    return audit_id


@pytest.fixture
def reviewer(store: Store, network: dict[str, User]) -> User:
    return accounts.create_user(store, "rex", "reviewer", "secret-pass",
                                regions=("Москва",))


def branch_sees(store: Store, manager: User, audit_id: str) -> bool:
    try:
        audits.load_header(store, manager, audit_id)
    except NotFound:
        return False
    return True


def test_review_round_trip__send_back_fix_resubmit_publish(store: Store, network: dict[str, User],
                                                           reviewer: User) -> None:
    sam, mia = network["shopper"], network["manager"]
    audit_id = _submitted(store, sam)
    assert review.stage(store.get_header(audit_id)) == "in_review"  # type: ignore[arg-type]
    assert [r.audit_id for r in review.review_queue(store, reviewer, now=T0)] == [audit_id]
    assert not branch_sees(store, mia, audit_id)
    month = store.get_rollups("2026-03", "2026-03")
    assert sum(r.audits for r in month.locations) == 1

    review.comment(store, reviewer, audit_id, "entrance.clean", "Photo of the mat, please",
                   now="2026-03-06T10:00:00+00:00")
    review.send_back(store, reviewer, audit_id, "Two things to fix",
                     now="2026-03-06T10:05:00+00:00")
    header = store.get_header(audit_id)
    assert header is not None and review.stage(header) == "sent_back"
    assert [c["text"] for c in review.item_comments(header, "entrance.clean")] == [
        "Photo of the mat, please"]
    # back with the shopper: a draft in their list, out of the rollups and the queue
    drafts = store.recent_summaries(AuditFilter(auditor="sam", status="draft"), limit=None)
    assert [r.audit_id for r in drafts] == [audit_id]
    assert sum(r.audits for r in store.get_rollups("2026-03", "2026-03").locations) == 0
    assert review.review_queue(store, reviewer, now=T0) == []
    assert not branch_sees(store, mia, audit_id)

    audits.answer(store, sam, audit_id, "entrance.clean", value=4)  # the fix
    workflow.submit(store, sam, audit_id, now="2026-03-06T12:00:00+00:00")
    assert review.stage(store.get_header(audit_id)) == "in_review"  # type: ignore[arg-type]
    review.grade(store, reviewer, audit_id, 4, "Clear photos", now="2026-03-06T13:00:00+00:00")
    workflow.publish_reviewed(store, reviewer, audit_id, now="2026-03-06T13:01:00+00:00")

    header = store.get_header(audit_id)
    assert header is not None and review.stage(header) == "published" and header.published
    assert branch_sees(store, mia, audit_id)
    assert store.get_summary(audit_id).published  # type: ignore[union-attr]
    month = store.get_rollups("2026-03", "2026-03")
    assert sum(r.audits for r in month.for_branch().locations) == 1
    kinds = [e["type"] for e in header.events]
    assert kinds == ["started", "submitted", "comment", "sent_back", "submitted", "graded",
                     "published"]
    hq_view = audience.view_of(audience.HQ_READER, header)
    lines = review.history_lines(header, Location("loc-a", "Арбат", "Москва", tz="Europe/Moscow"),
                                 "en", view=hq_view)
    assert [ln.what for ln in lines][-4:-1] == ["Sent back to the shopper: Two things to fix",
                                                "Resubmitted after fixes",
                                                "Shopper's report graded 4/5: Clear photos"]
    assert lines[3].when == "6 Mar 2026, 13:05 UTC+03:00" and lines[3].who == "rex"
    named = review.history_lines(header, None, "ru", items={"entrance.clean": "«Чистота»"},
                                 view=hq_view)
    assert named[2].what == "Комментарий к «Чистота»: Photo of the mat, please"
    assert named[2].when == "6 мар. 2026, 10:00 UTC"  # no location: UTC, and says so


def test_review__reviewer_outside_the_region_or_a_shopper_cannot(store: Store,
                                                                network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = _submitted(store, sam)
    spb = accounts.create_user(store, "vera", "reviewer", "secret-pass", regions=("СПб",))
    for who in (spb, sam, network["manager"]):
        with pytest.raises(NotFound):
            workflow.publish_reviewed(store, who, audit_id)
        with pytest.raises(NotFound):
            review.send_back(store, who, audit_id, "no")
    assert review.review_queue(store, spb, now=T0) == []
    assert review.stage(store.get_header(audit_id)) == "in_review"  # type: ignore[arg-type]


def test_review__bad_steps_say_why_and_keep_the_audit(store: Store, network: dict[str, User],
                                                      reviewer: User) -> None:
    sam, hq = network["shopper"], network["hq"]
    audit_id = _submitted(store, sam)
    before = store.get_audit(audit_id)
    with pytest.raises(review.ReviewError) as err:
        review.send_back(store, reviewer, audit_id, "   ")
    assert "Say what to fix" in error_text(err.value, "en")
    assert "Напишите, что исправить" in error_text(err.value, "ru")
    with pytest.raises(review.ReviewError) as err:
        review.grade(store, reviewer, audit_id, 9)
    assert err.value.code == "review_bad_grade"
    with pytest.raises(review.ReviewError):
        review.comment(store, reviewer, audit_id, "entrance.dry", "")
    assert store.get_audit(audit_id) == before
    review.send_back(store, reviewer, audit_id, "fix it")
    with pytest.raises(AuditLocked):  # already with the shopper
        workflow.publish_reviewed(store, hq, audit_id)
    self_id = _submitted(store, network["manager"], mode="self")
    with pytest.raises(review.ReviewError) as err:
        review.send_back(store, hq, self_id, "no")
    assert err.value.code == "review_not_mystery"


def test_history__positions_only_for_those_who_may_see_them(store: Store,
                                                            network: dict[str, User]) -> None:
    sam = network["shopper"]
    audit_id = _submitted(store, sam)
    header = store.get_header(audit_id)
    assert header is not None
    event = {"type": "position", "stage": "submit", "by": "sam", "at": T0, "lat": 55.7523,
             "lon": 37.5934, "accuracy": 10.0}
    header = dataclasses.replace(header, events=(*header.events, event))
    loc = Location("loc-a", "Арбат", "Москва", lat=55.7520, lon=37.5930, tz="Europe/Moscow")
    hq_view = review.history_lines(header, loc, "ru", view=audience.view_of(network["hq"], header))
    metres = round(distance_m(55.7520, 37.5930, 55.7523, 37.5934))
    assert hq_view[-1].what == f"Местоположение при отправке: на месте ({metres} м)"
    branch_view = review.history_lines(header, loc, "en", who={"sam": "S-1A2B3C"},
                                       view=audience.view_of(audience.BRANCH, header))
    assert all("Position" not in ln.what for ln in branch_view)
    assert {ln.who for ln in branch_view} == {"S-1A2B3C"}
