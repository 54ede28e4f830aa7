"""Admin → Integrations through AppTest: a token made (shown once), listed with its last use,
revoked; bad input refused with the reason and nothing lost."""

from __future__ import annotations

from audit.model import User
from audit.people import tokens
from audit.store import Store
from tests.test_app import app_as, data, people, texts  # noqa: F401  (fixtures)


def _integrations(store: Store, user: User):  # type: ignore[no-untyped-def]
    at = app_as(store, user).run()
    at.switch_page("audit/ui/pages/admin.py").run()
    at.segmented_control(key="admin.part").set_value("integrations").run()
    assert not at.exception
    return at


def test_admin__token_made_shown_once_then_revoked(data: Store, people: dict[str, User]) -> None:  # noqa: F811
    at = _integrations(data, people["hq"])
    at.text_input(key="integ.token.name").input("Power BI")
    at.multiselect(key="integ.token.regions").set_value(["СПб"])
    at.button(key="FormSubmitter:integ.token.add-Create token").click().run()
    assert not at.exception
    [shown] = [c.value for c in at.code]
    [kept] = data.list_tokens()
    assert tokens.authenticate(data, shown).id == kept.id and kept.regions == ("СПб",)
    assert "Copy it now" in texts(at) and "never used" in texts(at)
    at.run()  # the next run no longer shows it
    assert not at.code and kept.id in texts(at)
    at.button(key=f"integ.revoke.{kept.id}").click().run()
    assert data.list_tokens()[0].revoked_by == "boss" and "revoked" in texts(at)


def test_admin__nameless_token_refused_and_nothing_made(data: Store, people: dict[str, User]) -> None:  # noqa: F811
    tokens.issue_token(data, "kept", "read", by="boss")
    at = _integrations(data, people["hq"])
    at.button(key="FormSubmitter:integ.token.add-Create token").click().run()
    assert "needs a name" in texts(at)
    assert [t.name for t in data.list_tokens()] == ["kept"]


def test_admin__webhook_endpoint_added_secret_shown_once_failed_delivery_sent_again(
        data: Store, people: dict[str, User]) -> None:  # noqa: F811
    from audit.notify import webhooks

    at = _integrations(data, people["hq"])
    at.text_input(key="integ.webhook.url").input("ftp://nowhere")
    at.button(key="FormSubmitter:integ.webhook.add-Add endpoint").click().run()
    assert "is not an http(s) address" in texts(at) and data.list_endpoints() == []
    at.text_input(key="integ.webhook.url").input("http://127.0.0.1:9/hook")
    at.button(key="FormSubmitter:integ.webhook.add-Add endpoint").click().run()
    [endpoint] = data.list_endpoints()
    assert endpoint.secret in [c.value for c in at.code]
    webhooks.queue_event(data, "audit.submitted", {"id": "a1"}, location_id="loc-a", region="Москва")
    webhooks.send_due(data, timeout=2)  # port 9: refused
    [waiting] = data.list_deliveries()
    at.run()
    assert "attempts 1" in texts(at) and "audit.submitted" in texts(at) and endpoint.secret not in str(
        [c.value for c in at.code])
    at.button(key=f"integ.again.{waiting.id}").click().run()
    [again] = data.list_deliveries()
    assert again.attempts == 0 and again.status == "pending"
