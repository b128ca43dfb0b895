"""The Secrets page: New Secret (text or file, private or project), read, replace, delete."""

from __future__ import annotations

import base64

from playwright.sync_api import FilePayload, expect

from keyhouse_client import Keyhouse, NotFoundError
from tests.service.console.conftest import Console
from tests.support.actors import Actor, unique
from tests.support.browser import screenshot_path


def test_a_private_text_secret_is_created_read_replaced_and_deleted(
    console: Console, person: Actor, person_kh: Keyhouse, admin_kh: Keyhouse
) -> None:
    console.sign_in(person.key)
    page = console.page
    name = f"team/{unique('token')}"

    # WHEN the user fills the New Secret dialog with a text value
    page.goto(console.url("/secrets"))
    page.get_by_role("button", name="New Secret").click()
    dialog = page.get_by_role("dialog", name="New Secret")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Secret value").fill("Fk3MoPlQXCQvPo")
    expect(dialog.locator(".counter")).to_have_text("14 / 9000 characters")
    console.assert_labelled()
    dialog.get_by_role("button", name="Create Secret").click()

    # THEN it exists, private, with that value
    expect(page.get_by_role("status")).to_contain_text(f"Secret “{name}” was created (private)")
    secret = person_kh.secrets.get_by_name(name=name)
    assert secret.visibility == "private"
    assert (
        person_kh.secrets.get_value(secret_id=secret.id).value.get_secret_value()
        == "Fk3MoPlQXCQvPo"
    )
    assert "Fk3MoPlQXCQvPo" not in console.html()  # not shown before Read

    # WHEN they press Read THEN the value shows, and the read is in the audit log
    page.get_by_role("button", name="Read").click()
    expect(page.get_by_label("Value (version 1)")).to_have_value("Fk3MoPlQXCQvPo")
    reads = admin_kh.audit.list(principal=person.name, action="secrets:GetSecretValue").data
    assert len(reads) == 2  # the client's read above, and the console's
    console.assert_labelled()

    # WHEN they replace the value THEN the version is 2
    page.get_by_label("Secret value").fill("rotated")
    page.get_by_role("button", name="Save new value").click()
    expect(page.get_by_role("status")).to_contain_text("version 2")
    assert person_kh.secrets.get_value(secret_id=secret.id).value.get_secret_value() == "rotated"

    # WHEN they delete it THEN it is gone
    page.get_by_role("button", name="Delete secret").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete secret").click()
    expect(page.get_by_role("status")).to_have_text("The secret is deleted.")
    try:
        person_kh.secrets.get(secret_id=secret.id)
        raise AssertionError("the secret still exists")
    except NotFoundError:
        pass


def test_a_file_is_base64_encoded_in_the_browser_and_shared_with_a_project(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    # GIVEN a project the user owns
    project = person_kh.projects.create(name=unique("analytics")).name
    content = b"-----BEGIN OPENSSH PRIVATE KEY-----\n\x00\x01\xfe binary\n"
    console.sign_in(person.key)
    page = console.page
    name = f"deploy/{unique('key')}"

    # WHEN they choose File, pick a file, and share it with the project
    page.goto(console.url("/secrets"))
    page.get_by_role("button", name="New Secret").click()
    dialog = page.get_by_role("dialog", name="New Secret")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("File", exact=True).check()
    dialog.get_by_label("File (read and base64-encoded in your browser)").set_input_files(
        files=FilePayload(name="id_ed25519", mimeType="application/octet-stream", buffer=content)
    )
    encoded = base64.b64encode(content).decode()
    expect(dialog.locator(".counter")).to_have_text(f"{len(encoded)} / 9000 characters")
    dialog.get_by_label("Project (every member)").check()
    dialog.get_by_label("Project", exact=True).select_option(project)
    page.screenshot(path=str(screenshot_path("new-secret-dialog")))
    dialog.get_by_role("button", name="Create Secret").click()

    # THEN the secret is a file shared with the project, and reads return the base64
    expect(page.get_by_role("status")).to_contain_text(f"shared with project “{project}”")
    secret = person_kh.secrets.get_by_name(name=name, project=project)
    assert (secret.type, secret.visibility) == ("file", "project")
    assert (
        base64.b64decode(person_kh.secrets.get_value(secret_id=secret.id).value.get_secret_value())
        == content
    )

    # AND the list shows it with its visibility, project and version
    page.get_by_role("link", name="← Secrets").click()
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text("project")
    expect(row).to_contain_text(project)


def test_a_value_past_the_limit_shows_the_counter_and_the_services_message(
    console: Console, person: Actor, person_kh: Keyhouse
) -> None:
    console.sign_in(person.key)
    page = console.page
    name = f"big/{unique('value')}"
    page.goto(console.url("/secrets"))
    page.get_by_role("button", name="New Secret").click()
    dialog = page.get_by_role("dialog", name="New Secret")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Secret value").fill("x" * 9001)
    expect(dialog.locator(".counter")).to_have_class("counter over")
    dialog.get_by_role("button", name="Create Secret").click()
    # The dialog opens again with the service's words, and nothing was made.
    dialog = page.get_by_role("dialog", name="New Secret")
    expect(dialog.get_by_role("alert")).to_contain_text("9000")
    expect(dialog.get_by_label("Name")).to_have_value(name)
    assert [s.name for s in person_kh.secrets.list(name_prefix=name).data] == []
