"""Rolling a key from the API keys page: the overlap chosen in the form, the new key shown
once (or written into the secret that holds the old one), checked through the client."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from keyhouse_client import Keyhouse
from tests.service.console.conftest import Console
from tests.support.actors import Actor, unique
from tests.support.keyhouse_server import KeyhouseServer


def _open_roll_form(console: Console, key_id: str, name: str) -> None:
    page = console.page
    page.goto(console.url(f"/keys?q={name}"))
    page.locator(f"tr[data-key-id='{key_id}']").get_by_role("link", name=f"Roll {name}").click()
    page.wait_for_url(console.url(f"/keys/{key_id}/roll"))


def test_a_roll_shows_the_new_key_once_and_keeps_the_old_one_for_the_overlap(
    console: Console, person: Actor, person_kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    # GIVEN an ordinary user's key restricted to nothing, with 30 days
    old = person_kh.api_keys.create(name=unique("ci"), scopes=["job"], expires_in_days=30)
    console.sign_in(person.key)
    page = console.page

    # WHEN they roll it with an overlap of 2 hours
    _open_roll_form(console, old.id, old.name)
    expect(page.get_by_label("Overlap: the old key keeps working for (hours)")).to_have_value("24")
    console.assert_labelled()
    page.get_by_label("Overlap: the old key keeps working for (hours)").fill("2")
    page.get_by_role("button", name="Roll API key").click()

    # THEN the new key is shown once, with the old one's end
    expect(page.get_by_role("heading", level=1)).to_have_text(f"API key “{old.name}” rolled")
    expect(page.get_by_role("alert")).to_contain_text("you will not see it again")
    new_key = page.get_by_label("Your new API key").input_value()
    console.assert_labelled()

    # AND the service rolled it: same name and scopes, the old key rolled for two hours
    with Keyhouse(base_url=sqlite_service.url, api_key=new_key) as as_new:
        new_id = as_new.keys.whoami().key.id
    new = person_kh.api_keys.get(key_id=new_id)
    assert (new.name, new.scopes, new.status) == (old.name, ["job"], "active")
    assert (new.expires_at - new.created_at).days == 30
    before = person_kh.api_keys.get(key_id=old.id)
    assert (before.status, before.replaced_by) == ("rolled", new_id)
    assert before.expires_at - new.created_at == timedelta(hours=2)
    assert old.key is not None
    with Keyhouse(base_url=sqlite_service.url, api_key=old.key) as as_old:
        assert as_old.keys.whoami().key.replaced_by == new_id

    # AND the list shows the old key rolled, by the new one, with no Roll button; the new key
    # appears on no later page, in no cookie and in no log
    page.get_by_role("link", name="Done: back to the API keys").click()
    page.goto(console.url(f"/keys?q={old.name}&status=rolled"))
    row = page.locator(f"tr[data-key-id='{old.id}']")
    expect(row).to_contain_text("rolled")
    expect(row).to_contain_text(new_id)
    expect(row.get_by_role("link", name=f"Roll {old.name}")).to_have_count(0)
    expect(page.locator(f"tr[data-key-id='{new_id}']")).to_have_count(0)
    console.html()
    page.go_back()
    page.reload()
    console.html()
    assert new_key not in "".join(console.seen)
    assert all(new_key not in c["value"] for c in console.context.cookies())
    assert new_key not in sqlite_service.log()


def test_a_key_kept_in_a_secret_rolls_into_that_secret_without_being_shown(
    console: Console, sqlite_service: KeyhouseServer, admin_kh: Keyhouse
) -> None:
    # GIVEN seed 000: a role's key kept in a project secret
    project = admin_kh.projects.create(name=unique("fs")).name
    role = admin_kh.roles.create(name=unique("dbx")).name
    old = admin_kh.api_keys.create(name="cluster", scopes=["job"], owner_role=role, project=project)
    secret_name = f"hopsworks/role/{role}/type/api-key"
    assert old.key is not None
    secret = admin_kh.secrets.create(
        name=secret_name, value=old.key, visibility="project", project=project
    )
    console.sign_in(sqlite_service.admin_key)
    page = console.page

    # WHEN the admin rolls it into that secret, ending the old key at once
    _open_roll_form(console, old.id, old.name)
    page.get_by_label("Overlap: the old key keeps working for (hours)").fill("0")
    page.get_by_label("Put it into the secret that holds this key").check()
    page.get_by_label("Secret name").fill(secret_name)
    page.get_by_label("Secret visibility").select_option("project")
    page.get_by_label("Secret's project").select_option(project)
    console.assert_labelled()
    page.get_by_role("button", name="Roll API key").click()

    # THEN the list says where the new key went; the secret (same id) holds a key of the role
    expect(page.get_by_role("status")).to_contain_text(
        f"is version 2 of the secret “{secret_name}”. It was not shown to anyone."
    )
    console.html()
    stored = admin_kh.secrets.get_value(secret_id=secret.id)
    assert stored.version == 2
    verdict = admin_kh.keys.verify(key=stored.value)
    assert verdict.valid
    assert verdict.key_id == admin_kh.api_keys.get(key_id=old.id).replaced_by
    assert verdict.principal is not None
    assert verdict.principal.name == role
    assert admin_kh.keys.verify(key=old.key).reason == "expired"
    assert stored.value.get_secret_value() not in console.everything_seen()
    assert stored.value.get_secret_value() not in sqlite_service.log()


def test_a_roll_that_cannot_be_made_changes_nothing_and_says_why(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    key = person_kh.api_keys.create(name=unique("kept"), scopes=["job"])
    other = person_kh.secrets.create(name=f"tf/{unique('other')}", value="not this key")
    console.sign_in(person.key)
    page = console.page
    _open_roll_form(console, key.id, key.name)

    # WHEN the overlap is negative THEN the field says the range, and nothing rolls
    page.get_by_label("Overlap: the old key keeps working for (hours)").fill("-1")
    page.get_by_role("button", name="Roll API key").click()
    expect(page.locator("#overlap_hours-error")).to_contain_text("from 0 (the old key ends now)")
    assert person_kh.api_keys.get(key_id=key.id).status == "active"

    # WHEN the named secret does not hold the key THEN the service's refusal is shown
    page.get_by_label("Overlap: the old key keeps working for (hours)").fill("1")
    page.get_by_label("Put it into the secret that holds this key").check()
    page.get_by_label("Secret name").fill(other.name)
    page.get_by_role("button", name="Roll API key").click()
    expect(page.get_by_role("alert")).to_contain_text(f"does not hold API key '{key.id}'")
    expect(page.get_by_label("Secret name")).to_have_value(other.name)
    assert person_kh.api_keys.get(key_id=key.id).status == "active"
    assert (
        person_kh.secrets.get_value(secret_id=other.id).value.get_secret_value() == "not this key"
    )

    # WHEN the secret does not exist THEN the field says so
    page.get_by_label("Secret name").fill(f"tf/{unique('absent')}")
    page.get_by_role("button", name="Roll API key").click()
    expect(page.locator("#secret_name-error")).to_contain_text("does not exist")
    assert person_kh.api_keys.get(key_id=key.id).status == "active"
