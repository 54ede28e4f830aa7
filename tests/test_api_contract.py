"""Contract tests generated from /api/v1's own OpenAPI document (Schemathesis): every operation,
with generated parameters and bodies, valid and not, never answers a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from audit import workflow
from audit.api.app import create_api
from audit.audits import capture as audits
from audit.checklist.parse import shipped_dir
from audit.checklist.templates import add_template, get_checklist
from audit.checklist.voice import touchpoints
from audit.model.visits import Plan
from audit.model.voice import Rating, VoiceResponse
from audit.people import tokens
from audit.store import Store
from audit.store.folder.backend import TinyStore
from audit.visits.service import plan_visits
from audit.voice.service import TEMPLATE_SETTING
from tests.conftest import answer_mini, photograph, populate

SECRET: dict[str, str] = {}


def _network(store: Store) -> None:
    people = populate(store)
    for who, loc, mode in (("shopper", "loc-a", "mystery"), ("manager", "loc-a", "self")):
        audit_id = audits.start_audit(store, people[who], location_id=loc, template_id="mini",
                                      mode=mode, lang="ru").id
        answer_mini(store, people[who], audit_id, entrance__clean=1)
        photograph(store, people[who], audit_id, "office.facade")
        workflow.submit(store, people[who], audit_id)
    # customers' voice and a plan, so that their operations reach past "not found"
    add_template(store, (shipped_dir() / "service-point.yaml").read_text(encoding="utf-8"), by="test")
    store.put_settings({TEMPLATE_SETTING: "service-point"})
    sections = [s.id for s in touchpoints(get_checklist(store, "service-point"))]
    store.import_voice_responses([
        VoiceResponse(id=f"20260305-c{n:05d}", location_id=loc, template_id="service-point",
                      template_version=1, day="2026-03-05", at=f"2026-03-05T10:0{n}:00.000000+00:00",
                      ratings=tuple(Rating(s, 4, 1 + n) for s in sections), level=level,
                      text="слова", text_approved=n == 1)
        for n, (loc, level) in enumerate((("loc-a", "disappointed"), ("loc-a", "wow"),
                                          ("loc-b", "as_expected")))])
    today = date.today()
    plan_visits(store, people["hq"], Plan(id="", template_id="mini", first=today,
                                          last=today + timedelta(days=30), location_ids=("loc-a",),
                                          shoppers=("sam",)))


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    store = TinyStore(Path(tmp_path_factory.mktemp("contract")) / "data")
    _network(store)
    SECRET["write"] = tokens.issue_token(store, "contract", "write", by="boss")[0]
    count = tokens.api_requests.count
    tokens.api_requests.count = 10**9  # the generated requests would otherwise meet the rate limit
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", create_api(lambda: store))
    finally:
        tokens.api_requests.count = count


def _fuzz(api_schema: schemathesis.BaseSchema, mode: GenerationMode, examples: int,
          headers: dict[str, str]) -> list[str]:
    """Every operation of the document, `examples` generated requests each; the operations run."""
    ran = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation__no_server_error_from_any_input(api_schema: schemathesis.BaseSchema,
                                                         mode: GenerationMode) -> None:
    ran = _fuzz(api_schema, mode, 12, {"Authorization": f"Bearer {SECRET['write']}"})
    assert {"GET /audits", "GET /audits/{audit_id}", "PATCH /actions/{action_id}",
            "GET /feed/{table}.csv", "GET /people", "POST /plans", "PATCH /visits/{visit_id}",
            "GET /plans/{plan_id}", "GET /responses", "GET /responses/{response_id}", "GET /gaps",
            "POST /locations"} <= set(ran)


def test_every_operation__without_a_token__never_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    assert len(_fuzz(api_schema, GenerationMode.POSITIVE, 5, {})) >= 20
