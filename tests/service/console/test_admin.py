"""The Admin page: key lifetimes, users and roles, the audit log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from keyhouse_client import Keyhouse
from tests.service.console.conftest import Console
from tests.support.actors import Actor, unique
from tests.support.keyhouse_server import KeyhouseServer


@pytest.fixture
def lifetimes_restored(admin_kh: Keyhouse) -> Iterator[None]:
    """Other tests expect the default lifetimes: put them back whatever happens."""
    before = admin_kh.settings.get()
    yield
    admin_kh.settings.update(
        default_key_lifetime_days=before.default_key_lifetime_days,
        max_key_lifetime_days=before.max_key_lifetime_days,
    )


@pytest.mark.usefixtures("lifetimes_restored")
def test_the_admin_sets_lifetimes_adds_users_and_roles_and_reads_the_audit_log(
    console: Console, sqlite_service: KeyhouseServer, admin_kh: Keyhouse
) -> None:
    console.sign_in(sqlite_service.admin_key)
    page = console.page
    page.get_by_role("link", name="Admin", exact=True).click()
    console.assert_labelled()

    # A default above the maximum is refused with the service's words
    page.get_by_label("Default lifetime (days)").fill("800")
    page.get_by_role("button", name="Save lifetimes").click()
    expect(page.get_by_role("alert")).to_contain_text("may not exceed max_key_lifetime_days (730)")
    assert admin_kh.settings.get().default_key_lifetime_days == 365

    page.get_by_label("Default lifetime (days)").fill("30")
    page.get_by_label("Maximum lifetime (days)").fill("90")
    page.get_by_role("button", name="Save lifetimes").click()
    expect(page.get_by_role("status")).to_contain_text("Key lifetimes saved")
    saved = admin_kh.settings.get()
    assert (saved.default_key_lifetime_days, saved.max_key_lifetime_days) == (30, 90)

    # The new default is what the create form offers
    page.goto(console.url("/keys/new"))
    expect(page.get_by_label("Expires in (days)")).to_have_value("30")

    # Users and roles
    page.goto(console.url("/admin"))
    user = unique("dave")
    page.get_by_label("User name").fill(user)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_contain_text(f"User “{user}” added")
    role = unique("scheduler")
    page.get_by_label("Role name").fill(role)
    page.get_by_label("Description (optional)").fill("<b>nightly</b> jobs")
    page.get_by_role("button", name="Add role").click()
    expect(page.get_by_role("status")).to_contain_text(f"Role “{role}” added")
    expect(page.get_by_text("<b>nightly</b> jobs")).to_be_visible()
    assert admin_kh.users.get(user=user).is_admin is False
    assert admin_kh.roles.get(role=role).description == "<b>nightly</b> jobs"

    # The audit log, filtered by action, shows what was just done
    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").fill("iam:CreateRole")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").first).to_contain_text(f"khrn:role:{role}")
    console.assert_labelled()


def test_an_ordinary_user_is_refused_the_admin_pages(console: Console, person: Actor) -> None:
    console.sign_in(person.key)
    console.page.goto(console.url("/admin"))
    expect(console.page.get_by_role("alert")).to_contain_text("lacks the scope")
    console.page.goto(console.url("/admin/audit"))
    expect(console.page.get_by_role("alert")).to_contain_text("lacks the scope")
