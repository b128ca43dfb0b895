"""The API keys page: create (shown once, or stored into a secret), list, search, revoke, delete."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from keyhouse_client import Keyhouse, NotFoundError
from tests.service.console.conftest import Console
from tests.support.actors import Actor, unique
from tests.support.browser import screenshot_path
from tests.support.keyhouse_server import KeyhouseServer


def _create_key(console: Console, name: str, scopes: list[str], days: str | None = None) -> None:
    page = console.page
    page.goto(console.url("/keys/new"))
    page.get_by_label("Name", exact=True).fill(name)
    for scope in scopes:
        page.get_by_role("checkbox", name=re.compile(rf"^{scope}\b")).check()
    if days is not None:
        page.get_by_label("Expires in (days)").fill(days)
    page.get_by_role("button", name="Create API key").click()


def test_admin_creates_a_key_that_is_shown_once_then_never_again(
    console: Console, sqlite_service: KeyhouseServer, admin_kh: Keyhouse
) -> None:
    # GIVEN the admin signed in, WHEN they create a key with four scopes and 90 days
    console.sign_in(sqlite_service.admin_key)
    name = unique("cluster")
    page = console.page
    page.goto(console.url("/keys/new"))
    expect(page.get_by_label("Expires in (days)")).to_have_value("365")  # the admin's default
    console.assert_labelled()
    _create_key(console, name, ["featurestore", "project", "job", "kafka"], "90")

    # THEN the key is shown once, with the warning and a working copy button
    expect(page.get_by_role("alert")).to_contain_text("you will not see it again")
    key = page.get_by_label("Your new API key").input_value()
    assert key.startswith("kh_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    console.assert_labelled()

    # AND the service holds exactly that key
    found = admin_kh.api_keys.list(name=name).data
    assert len(found) == 1
    assert sorted(found[0].scopes) == ["featurestore", "job", "kafka", "project"]
    assert (found[0].expires_at - found[0].created_at).days == 90
    with Keyhouse(base_url=sqlite_service.url, api_key=key) as as_key:
        assert as_key.keys.whoami().key.id == found[0].id

    # AND it appears on no later page, in no cookie, no storage and no log
    page.get_by_role("link", name="Done: back to the API keys").click()
    page.wait_for_url(console.url("/keys"))
    page.screenshot(path=str(screenshot_path("api-keys-list")))  # the README's picture
    console.html()
    page.goto(console.url(f"/keys?q={name}"))
    row = page.locator(f"tr[data-key-id='{found[0].id}']")
    expect(row).to_contain_text(found[0].prefix)
    console.html()
    page.go_back()
    page.reload()
    console.html()
    assert key not in "".join(console.seen)
    assert all(key not in c["value"] for c in console.context.cookies())
    assert key not in str(console.page.evaluate("() => [localStorage, sessionStorage]"))
    assert key not in sqlite_service.log()


def test_the_list_searches_by_name_or_prefix_and_finds_unused_keys(
    console: Console, person: Actor, person_kh: Keyhouse, sqlite_service: KeyhouseServer
) -> None:
    # GIVEN an ordinary user with two more keys, one of which was used just now
    used = person_kh.api_keys.create(name=unique("used"), scopes=["job"])
    idle = person_kh.api_keys.create(name=unique("idle"), scopes=["job"])
    with Keyhouse(base_url=sqlite_service.url, api_key=used.key) as as_used:
        as_used.keys.whoami()
    console.sign_in(person.key)
    page = console.page

    # WHEN they search by a part of a name THEN only that key is listed
    page.get_by_label("Name or prefix").fill(idle.name.split("-")[1])
    page.get_by_role("button", name="Find").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text(idle.name)

    # WHEN they search by prefix THEN that key is listed
    page.get_by_label("Name or prefix").fill(used.prefix)
    page.get_by_role("button", name="Find").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text(used.name)

    # WHEN they ask for keys unused for a day THEN the one used now is not among them
    page.get_by_label("Name or prefix").fill("")
    page.get_by_label("Unused for (days)").fill("1")
    page.get_by_role("button", name="Find").click()
    expect(page.locator(f"tr[data-key-id='{idle.id}']")).to_be_visible()
    # last_used_at is written in batches: wait until the service shows it
    expect(page.locator(f"tr[data-key-id='{used.id}']")).to_have_count(0)
    console.assert_labelled()


def test_revoke_asks_first_says_it_is_final_and_delete_removes(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    # GIVEN an ordinary user's key
    target = person_kh.api_keys.create(name=unique("old"), scopes=["job"])
    console.sign_in(person.key)
    page = console.page
    row = page.locator(f"tr[data-key-id='{target.id}']")

    # WHEN they press Revoke and cancel THEN nothing changes
    row.get_by_role("button", name=f"Revoke {target.name}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("is final")
    dialog.get_by_role("button", name="Cancel").click()
    assert person_kh.api_keys.get(key_id=target.id).status == "active"

    # WHEN they confirm THEN the key is revoked, and still listed as revoked
    row.get_by_role("button", name=f"Revoke {target.name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked, for good")
    expect(row).to_contain_text("revoked")
    assert person_kh.api_keys.get(key_id=target.id).status == "revoked"

    # WHEN they delete it THEN it is gone
    row.get_by_role("button", name=f"Delete {target.name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete key").click()
    expect(page.get_by_role("status")).to_contain_text("is deleted")
    expect(row).to_have_count(0)
    try:
        person_kh.api_keys.get(key_id=target.id)
        raise AssertionError("the key still exists")
    except NotFoundError:
        pass


def test_a_lifetime_past_the_maximum_shows_the_services_message_and_creates_nothing(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    console.sign_in(person.key)
    name = unique("long")
    _create_key(console, name, ["job"], "9999")
    expect(console.page.locator("#expires_in_days-error")).to_contain_text(
        "beyond the maximum key lifetime of 730 days"
    )
    expect(console.page.get_by_label("Name", exact=True)).to_have_value(name)
    assert person_kh.api_keys.list(name=name).data == []


def test_keyboard_alone_creates_a_key(console: Console, person: Actor, person_kh: Keyhouse) -> None:
    # GIVEN an ordinary user on the API keys page, using only the keyboard
    console.sign_in(person.key)
    page = console.page
    name = unique("kbd")
    focused = ""
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == "New API key":
            break
    assert focused == "New API key"
    page.keyboard.press("Enter")
    page.wait_for_url(console.url("/keys/new"))
    # The name field has the focus on arrival (waited for: a loaded machine may
    # apply autofocus after the load event, and keys typed before it are lost).
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type(name)
    page.keyboard.press("Tab")  # the first scope
    while page.evaluate("document.activeElement.value") != "job":
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("alert")).to_contain_text("you will not see it again")
    created = person_kh.api_keys.list(name=name).data
    assert [k.scopes for k in created] == [["job"]]


def test_a_key_can_go_straight_into_a_secret_without_being_shown(
    console: Console, sqlite_service: KeyhouseServer, admin_kh: Keyhouse
) -> None:
    # GIVEN a project and a role (seed 000), and the admin signed in
    project = admin_kh.projects.create(name=unique("fs")).name
    role = admin_kh.roles.create(name=unique("dbx")).name
    console.sign_in(sqlite_service.admin_key)
    page = console.page
    name = unique("cluster")
    secret_name = f"hopsworks/role/{role}/type/api-key"

    # WHEN they create a key for the role and store it in a project secret
    page.goto(console.url("/keys/new"))
    page.get_by_label("Name", exact=True).fill(name)
    for scope in ("featurestore", "project", "job", "kafka"):
        page.get_by_role("checkbox", name=re.compile(rf"^{scope}\b")).check()
    page.get_by_label("For role (optional)").select_option(role)
    page.get_by_label("Store it straight into a secret").check()
    page.get_by_label("Secret name").fill(secret_name)
    page.get_by_label("Secret visibility").select_option("project")
    page.get_by_label("Secret's project").select_option(project)
    page.get_by_role("button", name="Create API key").click()

    # THEN the list says where it went, and the secret holds a key of the role
    expect(page.get_by_role("status")).to_contain_text(f"stored in the secret “{secret_name}”")
    console.html()
    secret = admin_kh.secrets.get_by_name(name=secret_name, project=project)
    value = admin_kh.secrets.get_value(secret_id=secret.id).value.get_secret_value()
    with Keyhouse(base_url=sqlite_service.url, api_key=value) as as_role:
        assert as_role.keys.whoami().principal.name == role
    assert value not in console.everything_seen()
    assert value not in sqlite_service.log()


def test_a_refused_secret_leaves_no_key_behind(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    # GIVEN an ordinary user who collaborates on no project
    console.sign_in(person.key)
    page = console.page
    name = unique("orphan")
    page.goto(console.url("/keys/new"))
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("checkbox", name=re.compile(r"^job\b")).check()
    page.get_by_label("Store it straight into a secret").check()
    page.get_by_label("Secret name").fill("bad//name")
    page.get_by_role("button", name="Create API key").click()
    expect(page.get_by_role("alert")).to_contain_text("its secret could not be stored")
    assert person_kh.api_keys.list(name=name).data == []
