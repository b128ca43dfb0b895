"""Test a key: the keys:verify answer in words."""

from __future__ import annotations

from playwright.sync_api import expect

from keyhouse_client import Keyhouse
from tests.service.console.conftest import Console
from tests.support.actors import Actor, unique


def _test(console: Console, key: str, scopes: str = "", project: str = "") -> str:
    page = console.page
    page.goto(console.url("/test-key"))
    page.get_by_label("API key").fill(key)
    page.get_by_label("Scopes it needs").fill(scopes)
    page.get_by_label("Project it is used on").fill(project)
    page.get_by_role("button", name="Test").click()
    result = page.locator("#test-result")
    expect(result).to_be_visible()
    text = result.inner_text()
    assert key not in console.html()  # the pasted key is not shown back
    return text


def test_each_answer_is_said_in_words(
    console: Console, person: Actor, person_kh: Keyhouse, admin_kh: Keyhouse
) -> None:
    project = admin_kh.projects.create(name=unique("models")).name
    model_key = person_kh.api_keys.create(name=unique("model"), scopes=["job"])
    console.sign_in(person.key)

    assert "Valid: this key belongs to user/" in _test(
        console, model_key.key.get_secret_value(), "job"
    )
    assert "lacks the scope kafka" in _test(console, model_key.key.get_secret_value(), "job kafka")
    words = _test(console, model_key.key.get_secret_value(), "", project)
    assert f"is not a collaborator of project “{project}”" in words
    assert "not a Keyhouse API key" in _test(console, "kh_not_a_key")
    console.assert_labelled()

    person_kh.api_keys.revoke(key_id=model_key.id)
    assert "was revoked" in _test(console, model_key.key.get_secret_value())
