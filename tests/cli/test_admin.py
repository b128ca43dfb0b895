"""Admin work from the terminal: projects and members, users and roles, scopes, settings, audit."""

from __future__ import annotations

from tests.cli.conftest import Cli
from tests.support.actors import unique


def test_projects_and_members(cli: Cli) -> None:
    project, alice, role = unique("analytics"), unique("alice"), unique("etl")
    cli("projects", "create", project, "--description", "the analytics team")
    cli("users", "create", alice, "--email", f"{alice}@example.com")
    cli("roles", "create", role)
    cli("members", "add", project, alice)
    cli("members", "add", project, f"role/{role}", "--role", "viewer")
    cli("members", "update", project, alice, "--role", "owner")
    members = {
        (m["principal_kind"], m["principal_name"]): m["role"]
        for m in cli("members", "list", project, "-o", "json").json()
    }
    assert members[("user", alice)] == "owner"
    assert members[("role", role)] == "viewer"
    assert project in cli("projects", "list").stdout
    shown = cli("projects", "show", project, "-o", "json").json()
    assert shown["description"] == "the analytics team"

    cli("members", "remove", project, f"role/{role}")
    assert len(cli("members", "list", project, "-o", "json").json()) == 2
    unknown = cli("members", "add", project, "role/no-such-role", ok=False).fails(1)
    assert "no-such-role" in unknown

    cli("projects", "delete", project)
    cli("users", "delete", alice)
    cli("roles", "delete", role)
    assert "does not exist" in cli("projects", "show", project, ok=False).fails(1)


def test_users_scopes_settings_and_the_audit_log(cli: Cli) -> None:
    bob, scope = unique("bob"), unique("reports")
    cli("users", "create", bob)
    promoted = cli("users", "update", bob, "--admin", "-o", "json").json()
    assert promoted["is_admin"] is True
    assert bob in cli("users", "list").stdout
    cli("scopes", "create", scope, "--description", "read reports")
    assert scope in cli("scopes", "list").stdout

    current = cli("settings", "-o", "json").json()
    too_long = str(current["max_key_lifetime_days"] + 1)
    line = cli("settings", "set", "--default-key-lifetime-days", too_long, ok=False).fails(1)
    assert str(current["max_key_lifetime_days"]) in line  # it names the limit
    unchanged = cli("settings", "show", "-o", "json").json()
    assert unchanged == current
    same = str(current["default_key_lifetime_days"])
    cli("settings", "set", "--default-key-lifetime-days", same)

    events = cli("audit", "--action", "iam:UpdateUser", "--limit", "5", "-o", "json").json()
    assert any(event["target"] == f"khrn:user:{bob}" for event in events)
    table = cli("audit", "--action", "iam:UpdateUser", "--limit", "5").stdout
    assert f"khrn:user:{bob}" in table
    cli("users", "delete", bob)
