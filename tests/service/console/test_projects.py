"""The Projects page: members and roles; owners add, change and remove collaborators."""

from __future__ import annotations

from playwright.sync_api import expect

from keyhouse_client import Keyhouse
from tests.service.console.conftest import Console
from tests.support.actors import Actor, allow_passing, client, unique
from tests.support.keyhouse_server import KeyhouseServer


def test_an_owner_adds_changes_and_removes_collaborators(
    console: Console,
    person: Actor,
    person_kh: Keyhouse,
    admin_kh: Keyhouse,
    sqlite_service: KeyhouseServer,
) -> None:
    # GIVEN an ordinary user who creates a project in the console
    other = admin_kh.users.create(name=unique("carol")).name
    # Adding someone takes their consent: iam:PassRole on them (here, a policy the admin gives).
    with client(sqlite_service.url, sqlite_service.admin_key) as admin:
        allow_passing(admin, person, "user", other)
    console.sign_in(person.key)
    page = console.page
    name = unique("fraud")
    page.goto(console.url("/projects"))
    page.get_by_label("Project name").fill(name)
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_role("status")).to_contain_text("you own it")

    # WHEN they add a collaborator as a viewer THEN the service has that membership
    page.get_by_label("Name", exact=True).fill(other)
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text(f"user/{other} is now a viewer")
    console.assert_labelled()
    roles = {m.principal_name: m.role for m in person_kh.projects.list_members(project=name).data}
    assert roles == {person.name: "owner", other: "viewer"}

    # WHEN they make them a member THEN the role changes
    page.get_by_label(f"Role of user/{other}", exact=True).select_option("member")
    page.get_by_role("button", name=f"Change the role of user/{other}").click()
    expect(page.get_by_role("status")).to_contain_text("is now a member")
    roles = {m.principal_name: m.role for m in person_kh.projects.list_members(project=name).data}
    assert roles[other] == "member"

    # WHEN they remove them (confirming) THEN only the owner is left
    page.get_by_role("button", name=f"Remove user/{other}").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("no longer collaborates")
    assert [m.principal_name for m in person_kh.projects.list_members(project=name).data] == [
        person.name
    ]

    # AND the last owner cannot be demoted: the service's words are shown
    page.get_by_label(f"Role of user/{person.name}", exact=True).select_option("viewer")
    page.get_by_role("button", name=f"Change the role of user/{person.name}").click()
    expect(page.get_by_role("status")).to_contain_text("Not changed")
    assert person_kh.projects.list_members(project=name).data[0].role == "owner"


def test_a_member_sees_the_members_but_no_controls(
    console: Console, person: Actor, admin_kh: Keyhouse
) -> None:
    project = admin_kh.projects.create(name=unique("shared")).name
    admin_kh.projects.add_member(
        project=project, principal_kind="user", principal_name=person.name, role="member"
    )
    console.sign_in(person.key)
    console.page.goto(console.url("/projects"))
    console.page.get_by_role("link", name=project).click()
    expect(console.page.locator(f"tr[data-member='user/{person.name}']")).to_contain_text("member")
    expect(console.page.get_by_role("button", name="Add")).to_have_count(0)
    expect(console.page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
