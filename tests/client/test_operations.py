"""Every operation of both clients (``Keyhouse``, ``AsyncKeyhouse``) against the live service.

Each test runs once per flavour (``flavour``: the async client behind
``Blocking``, see conftest). Each operation: a success with its typed model
checked field by field, and each error status its OpenAPI entry documents
(``ERROR_CASES``) raised as the right ``KeyhouseError`` subclass. Then the
``with_response`` variants, the iterators walking every page, and NOT_GIVEN
(leave out) versus None (clear).
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from keyhouse_client import (
    APIError,
    AsyncKeyhouse,
    AuthenticationError,
    ConflictError,
    FileTooLargeError,
    Keyhouse,
    NotFoundError,
    PermissionDeniedError,
    models,
)
from tests.client.conftest import (
    ERROR_CASES,
    MANAGED_POLICIES,
    POLICY_DOCUMENT,
    AsyncRunner,
    Caller,
    Case,
    Credentials,
    World,
    open_client,
    policy_document,
    same_secret,
    stored_document,
)
from tests.support.actors import ALL_SCOPES, passing_document, unique

PAGE = 2
"""The page size the iterator tests walk with."""

MANY = 5
"""How many items the iterator tests create: more than two pages' worth."""


# Documented errors.


Callers = Callable[[Caller], Keyhouse]


@pytest.fixture(scope="module")
def opened(world: World) -> Iterator[Callable[[str, Caller], Keyhouse]]:
    """Clients for the error cases' callers, each opened once per flavour, when first asked."""
    with ExitStack() as stack:
        clients: dict[tuple[str, Caller], Keyhouse] = {}

        def client(flavour: str, caller: Caller) -> Keyhouse:
            if (flavour, caller) not in clients:
                clients[(flavour, caller)] = stack.enter_context(
                    open_client(flavour, world.url, world.key(caller), __name__)
                )
            return clients[(flavour, caller)]

        yield client


@pytest.fixture
def callers(opened: Callable[[str, Caller], Keyhouse], flavour: str) -> Callers:
    """The client of each caller, of this test's flavour."""
    return lambda caller: opened(flavour, caller)


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda case: case.id)
def test_documented_error(case: Case, world: World, callers: Callers) -> None:
    operation = getattr(getattr(callers(case.caller), case.resource), case.operation)
    with case.arranged(world), pytest.raises(APIError) as caught:
        operation(**case.kwargs(world))
    case.check(caught.value, world)


# Sync only: the service answers 413 before reading the body and closes the connection,
# which the async transport may see as a ReadError while it is still sending (left to issue 9).
@pytest.mark.parametrize("flavour", ["sync"], indirect=True)
def test_a_body_over_the_size_limit_is_an_api_error_and_not_retried(kh: Keyhouse) -> None:
    # 1 MiB is the service's default limit; a 413 is the request's fault: no retry.
    with pytest.raises(APIError) as caught:
        kh.keys.verify(key="k" * (1_048_576 + 1))
    assert caught.value.status == 413
    assert "1048576 bytes" in str(caught.value.detail)
    assert "kkkk" not in str(caught.value)


def test_iterators_raise_typed_errors(callers: Callers) -> None:
    with pytest.raises(AuthenticationError) as caught:
        next(callers(Caller.REVOKED).projects.iter(limit=PAGE))
    assert caught.value.status == 401
    assert caught.value.reason == "revoked"


@pytest.mark.parametrize("name", [".", ".."], ids=["dot", "dot-dot"])
def test_a_path_parameter_stays_one_segment(kh: Keyhouse, name: str) -> None:
    # /users/{name} with the name "." or "..": the request must still ask for that
    # user, not be resolved to /users (the list) or /api/v1 on the way out.
    with pytest.raises(NotFoundError) as caught:
        kh.users.get(user=name)
    assert caught.value.detail == f"user '{name}' does not exist"


# Health and keys.


def test_health(kh: Keyhouse) -> None:
    health = kh.health.healthz()
    assert isinstance(health, models.Health)
    assert health.status == "ok"
    ready = kh.health.readyz()
    assert isinstance(ready, models.Readiness)
    assert (ready.status, ready.database, ready.migrations) == ("ready", "ok", "ok")


def test_whoami(kh: Keyhouse, user_kh: Keyhouse, user: Credentials) -> None:
    admin = kh.keys.whoami()
    assert isinstance(admin, models.Whoami)
    assert admin.is_admin is True
    assert admin.principal.kind == "user"
    assert {"admin", "iam"} <= set(admin.key.scopes)

    me = user_kh.keys.whoami()
    assert isinstance(me, models.Whoami)
    assert isinstance(me.key, models.WhoamiKey)
    assert me.principal == models.PrincipalRef(kind="user", name=user.name)
    assert me.is_admin is False
    assert me.key.id == user.key_id
    assert me.key.scopes == sorted(ALL_SCOPES)
    assert me.key.project is None
    assert me.key.expires_at > datetime.now(UTC)
    same_secret(user.key[: len(me.key.prefix)], me.key.prefix, "the key's prefix")


def test_verify(kh: Keyhouse, user: Credentials, world: World) -> None:
    valid = kh.keys.verify(key=user.key, scopes=["secrets", "keys"])
    assert isinstance(valid, models.VerifyResponse)
    assert valid.valid is True
    assert valid.reason is None
    assert valid.key_id == user.key_id
    assert valid.principal == models.PrincipalRef(kind="user", name=user.name)
    assert valid.scopes == sorted(ALL_SCOPES)
    assert valid.project is None
    assert valid.expires_at is not None

    missing = kh.keys.verify(key=user.key, scopes=["iam"])
    assert (missing.valid, missing.reason, missing.key_id) == (False, "missing_scope", user.key_id)
    outsider = kh.keys.verify(key=user.key, project=world.project)
    assert (outsider.valid, outsider.reason) == (False, "not_a_collaborator")
    revoked = kh.keys.verify(key=world.key(Caller.REVOKED))
    assert (revoked.valid, revoked.reason) == (False, "revoked")
    malformed = kh.keys.verify(key="kh_not-a-key")
    assert (malformed.valid, malformed.reason, malformed.key_id) == (False, "malformed", None)


# API keys.


def test_api_keys_lifecycle(user_kh: Keyhouse, user: Credentials) -> None:
    name = unique("key")
    created = user_kh.api_keys.create(name=name, scopes=["secrets", "job"], expires_in_days=30)
    assert isinstance(created, models.ApiKeyCreated)
    assert created.name == name
    assert created.scopes == ["job", "secrets"]
    assert created.owner == models.PrincipalRef(kind="user", name=user.name)
    assert created.status == "active"
    assert created.project is None
    assert created.revoked_at is None
    assert created.expires_at - created.created_at == timedelta(days=30)
    same_secret(
        created.key.get_secret_value()[: len(created.prefix)],
        created.prefix,
        "the new key's prefix",
    )
    holds_id = created.id in created.key.get_secret_value()
    assert holds_id, "the new key does not hold its Key ID"

    fetched = user_kh.api_keys.get(key_id=created.id)
    assert type(fetched) is models.ApiKeyPublic
    assert fetched.model_dump() == created.model_dump(exclude={"key"})

    listed = user_kh.api_keys.list(name=name)
    assert isinstance(listed, models.ApiKeysPublic)
    assert [key.id for key in listed.data] == [created.id]
    assert listed.next_cursor is None
    active = user_kh.api_keys.list(status="active", prefix=created.prefix)
    assert [key.id for key in active.data] == [created.id]

    renamed = unique("renamed")
    updated = user_kh.api_keys.update(key_id=created.id, name=renamed, scopes=["job"])
    assert isinstance(updated, models.ApiKeyPublic)
    assert (updated.id, updated.name, updated.scopes) == (created.id, renamed, ["job"])

    revoked = user_kh.api_keys.revoke(key_id=created.id)
    assert isinstance(revoked, models.ApiKeyPublic)
    assert revoked.status == "revoked"
    assert revoked.revoked_at is not None
    answer = user_kh.keys.verify(key=created.key)
    assert answer.reason == "revoked"
    assert [key.id for key in user_kh.api_keys.list(status="revoked").data] == [created.id]

    user_kh.api_keys.delete(key_id=created.id)
    with pytest.raises(NotFoundError):
        user_kh.api_keys.get(key_id=created.id)


def test_api_keys_create_for_a_role_restricted_to_a_project(kh: Keyhouse) -> None:
    role = kh.roles.create(name=unique("role"))
    project = kh.projects.create(name=unique("proj"))
    when = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    created = kh.api_keys.create(
        name=unique("key"),
        scopes=["job", "kafka"],
        owner_role=role.name,
        project=project.name,
        expires_at=when,
    )
    assert isinstance(created, models.ApiKeyCreated)
    assert created.owner == models.PrincipalRef(kind="role", name=role.name)
    assert created.project == project.name
    assert created.expires_at == when

    outside = kh.keys.verify(key=created.key, scopes=["job"], project=project.name)
    assert (outside.valid, outside.reason) == (False, "not_a_collaborator")
    kh.projects.add_member(project=project.name, principal_kind="role", principal_name=role.name)
    inside = kh.keys.verify(key=created.key, scopes=["job"], project=project.name)
    assert (inside.valid, inside.project, inside.principal) == (True, project.name, created.owner)


def test_api_keys_create_for_another_user(kh: Keyhouse, user: Credentials) -> None:
    created = kh.api_keys.create(name=unique("given"), scopes=["job"], owner_user=user.name)
    assert created.owner == models.PrincipalRef(kind="user", name=user.name)
    assert kh.api_keys.get(key_id=created.id).owner.name == user.name


def test_api_keys_roll(user_kh: Keyhouse) -> None:
    old = user_kh.api_keys.create(name=unique("key"), scopes=["secrets"], expires_in_days=30)
    made = user_kh.api_keys.roll(key_id=old.id, overlap_seconds=600)
    rolled = made
    assert isinstance(rolled, models.ApiKeyRolled)
    assert (rolled.name, rolled.scopes, rolled.status) == (old.name, old.scopes, "active")
    assert rolled.expires_at - rolled.created_at == timedelta(days=30)
    assert (rolled.replaces.id, rolled.replaces.status) == (old.id, "rolled")
    assert rolled.replaces.replaced_by == rolled.id
    assert made.key is not None
    answer = user_kh.keys.verify(key=old.key)
    assert (answer.valid, answer.replaced_by) == (True, rolled.id)
    assert user_kh.keys.verify(key=made.key).valid


# Secrets.


def test_secrets_private_lifecycle(user_kh: Keyhouse, user: Credentials) -> None:
    name = unique("client/private")
    created = user_kh.secrets.create(name=name, value="first value", description="the first")
    assert isinstance(created, models.SecretPublic)
    assert created.name == name
    assert (created.type, created.visibility, created.project) == ("text", "private", None)
    assert created.owner == f"user/{user.name}"
    assert created.description == "the first"
    assert created.version == 1

    assert user_kh.secrets.get(secret_id=created.id) == created
    found = user_kh.secrets.get_by_name(name=name)
    assert isinstance(found, models.SecretPublic)
    assert found.id == created.id

    value = user_kh.secrets.get_value(secret_id=created.id)
    assert isinstance(value, models.SecretValue)
    assert (value.id, value.name, value.type, value.version) == (created.id, name, "text", 1)
    same_secret(value.value.get_secret_value(), "first value", "the value read back")

    replaced = user_kh.secrets.put_value(secret_id=created.id, value="second value")
    assert isinstance(replaced, models.SecretPublic)
    assert (replaced.id, replaced.version, replaced.type) == (created.id, 2, "text")
    again = user_kh.secrets.get_value(secret_id=created.id)
    assert again.version == 2
    same_secret(again.value.get_secret_value(), "second value", "the replaced value read back")

    updated = user_kh.secrets.update(secret_id=created.id, description="the second")
    assert isinstance(updated, models.SecretPublic)
    assert (updated.description, updated.version) == ("the second", 2)

    listed = user_kh.secrets.list(name_prefix=name, visibility="private")
    assert isinstance(listed, models.SecretsPublic)
    assert [secret.id for secret in listed.data] == [created.id]

    user_kh.secrets.delete(secret_id=created.id)
    with pytest.raises(NotFoundError):
        user_kh.secrets.get(secret_id=created.id)


def test_secrets_shared_with_a_project(user_kh: Keyhouse) -> None:
    project = user_kh.projects.create(name=unique("proj"))
    content = base64.b64encode(b"\x00\x01 binary \xff").decode()
    name = unique("client/file")
    created = user_kh.secrets.create(
        name=name, value=content, type="file", visibility="project", project=project.name
    )
    assert (created.type, created.visibility, created.project) == ("file", "project", project.name)

    found = user_kh.secrets.get_by_name(name=name, project=project.name)
    assert found.id == created.id
    value = user_kh.secrets.get_value(secret_id=created.id)
    assert value.type == "file"
    same_secret(value.value.get_secret_value(), content, "the file's base64 read back")
    shared = user_kh.secrets.list(project=project.name, visibility="project")
    assert [secret.id for secret in shared.data] == [created.id]

    retyped = user_kh.secrets.put_value(secret_id=created.id, value="plain text", type="text")
    assert (retyped.type, retyped.version) == ("text", 2)

    user_kh.secrets.delete(secret_id=created.id)
    user_kh.projects.delete(project=project.name)


def test_secrets_read_by_name_in_one_call(user_kh: Keyhouse, user: Credentials) -> None:
    project = user_kh.projects.create(name=unique("proj"))
    name = unique("client/token")
    user_kh.secrets.create(name=name, value="private value")
    user_kh.secrets.create(name=name, value="shared value", project=project.name)

    value = user_kh.secrets.get_value_by_name(name=name, project=project.name)
    assert isinstance(value, models.SecretValue)
    assert (value.name, value.type, value.version) == (name, "text", 1)
    assert "shared value" not in repr(value), "the value read by name shows in its repr"
    same_secret(value.value.get_secret_value(), "shared value", "the value read by name")
    same_secret(user_kh.secrets.read(name), "private value", "the private value")
    same_secret(user_kh.secrets.read(name, project=project.name), "shared value", "read")
    shared = user_kh.secrets.read_bytes(name, project=project.name)
    assert shared == b"shared value"


def test_secrets_files_go_in_and_out_as_bytes(user_kh: Keyhouse, tmp_path: Path) -> None:
    project = user_kh.projects.create(name=unique("proj"))
    data = bytes(range(256)) * 26  # 6,656 bytes: within the 6,750 a file secret holds
    (tmp_path / "id_ed25519").write_bytes(data)
    name = unique("client/key")
    created = user_kh.secrets.create_from_file(name, tmp_path / "id_ed25519", project=project.name)
    assert (created.type, created.visibility, created.project) == ("file", "project", project.name)
    assert user_kh.secrets.read_bytes(name, project=project.name) == data
    raw = user_kh.secrets.read(name, project=project.name)
    assert base64.b64decode(raw) == data  # reads return the base64, as stored

    (tmp_path / "rotated").write_bytes(b"\x00rotated\xff")
    replaced = user_kh.secrets.put_file(secret_id=created.id, path=tmp_path / "rotated")
    assert (replaced.version, replaced.type) == (2, "file")
    assert user_kh.secrets.read_bytes(name, project=project.name) == b"\x00rotated\xff"

    (tmp_path / "big").write_bytes(b"x" * 6751)
    attempts: list[Callable[[], object]] = [
        lambda: user_kh.secrets.create_from_file(unique("client/big"), tmp_path / "big"),
        lambda: user_kh.secrets.put_file(secret_id=created.id, path=tmp_path / "big"),
    ]
    for attempt in attempts:
        with pytest.raises(FileTooLargeError) as caught:
            attempt()
        assert (caught.value.size, caught.value.limit) == (6751, 6750)
        assert "6,750 bytes" in str(caught.value)
        assert "9,000 characters" in str(caught.value)
    assert user_kh.secrets.get(secret_id=created.id).version == 2  # nothing was sent


# Projects.


def test_projects_lifecycle(kh: Keyhouse, user_kh: Keyhouse, user: Credentials) -> None:
    colleague = kh.users.create(name=unique("user"))
    role = kh.roles.create(name=unique("role"))
    # The owner may add them: consent over both (iam:PassRole).
    policy = kh.iam.create_policy(
        name=unique("pass"), document=passing_document(colleague.arn, role.arn)
    )
    kh.iam.attach_policy(policy=policy.name, principal_kind="user", principal_name=user.name)
    name = unique("proj")
    created = user_kh.projects.create(name=name, description="first")
    assert isinstance(created, models.ProjectPublic)
    assert (created.name, created.description, created.my_role) == (name, "first", "owner")

    assert user_kh.projects.get(project=name) == created
    mine = user_kh.projects.list()
    assert isinstance(mine, models.ProjectsPublic)
    assert [project.name for project in mine.data] == [name]
    admin_view = kh.projects.get(project=name)
    assert admin_view.my_role is None  # an admin who is not a member

    updated = user_kh.projects.update(project=name, description="second")
    assert isinstance(updated, models.ProjectPublic)
    assert updated.description == "second"

    members = user_kh.projects.list_members(project=name)
    assert isinstance(members, models.MembersPublic)
    assert [(m.principal_kind, m.principal_name, m.role) for m in members.data] == [
        ("user", user.name, "owner")
    ]

    added = user_kh.projects.add_member(project=name, principal_name=colleague.name, role="viewer")
    assert isinstance(added, models.MemberPublic)
    assert (added.project, added.principal_kind, added.principal_name, added.role) == (
        name,
        "user",
        colleague.name,
        "viewer",
    )
    machine = user_kh.projects.add_member(
        project=name, principal_kind="role", principal_name=role.name
    )
    assert (machine.principal_kind, machine.role) == ("role", "member")

    changed = user_kh.projects.update_member(
        project=name, principal_kind="user", principal_name=colleague.name, role="member"
    )
    assert isinstance(changed, models.MemberPublic)
    assert changed.role == "member"

    user_kh.projects.remove_member(
        project=name, principal_kind="user", principal_name=colleague.name
    )
    remaining = user_kh.projects.list_members(project=name).data
    assert {m.principal_name for m in remaining} == {user.name, role.name}

    user_kh.projects.delete(project=name)
    with pytest.raises(NotFoundError):
        user_kh.projects.get(project=name)


# Users, roles, settings, scopes, audit (admins).


def test_users_lifecycle(kh: Keyhouse) -> None:
    name = unique("user")
    created = kh.users.create(name=name, email=f"{name}@example.com", is_admin=False)
    try:
        assert isinstance(created, models.UserPublic)
        assert (created.name, created.email, created.is_admin) == (
            name,
            f"{name}@example.com",
            False,
        )
        assert kh.users.get(user=name) == created

        moved = kh.users.update(user=name, email="moved@example.com")
        assert isinstance(moved, models.UserPublic)
        assert (moved.email, moved.is_admin) == ("moved@example.com", False)
        assert kh.users.update(user=name, is_admin=True).is_admin is True
        assert kh.users.update(user=name, is_admin=False).is_admin is False

        page = kh.users.list(limit=1)
        assert isinstance(page, models.UsersPublic)
        assert len(page.data) == 1
        assert isinstance(page.data[0], models.UserPublic)
        assert page.next_cursor is not None  # the admin and this user at least
    finally:
        kh.users.delete(user=name)
    with pytest.raises(NotFoundError):
        kh.users.get(user=name)


def test_roles_lifecycle(kh: Keyhouse) -> None:
    name = unique("role")
    created = kh.roles.create(name=name, description="a cluster")
    assert isinstance(created, models.RolePublic)
    assert (created.name, created.description) == (name, "a cluster")
    assert kh.roles.get(role=name) == created

    updated = kh.roles.update(role=name, description="another cluster")
    assert isinstance(updated, models.RolePublic)
    assert (updated.id, updated.description) == (created.id, "another cluster")

    page = kh.roles.list(limit=1)
    assert isinstance(page, models.RolesPublic)
    assert len(page.data) == 1
    assert isinstance(page.data[0], models.RolePublic)

    kh.roles.delete(role=name)
    with pytest.raises(NotFoundError):
        kh.roles.get(role=name)


def test_settings(kh: Keyhouse, user_kh: Keyhouse) -> None:
    before = kh.settings.get()
    assert isinstance(before, models.SettingsPublic)
    assert 1 <= before.default_key_lifetime_days <= before.max_key_lifetime_days
    assert user_kh.settings.get().model_dump() == before.model_dump()  # any valid key reads it

    shorter = before.default_key_lifetime_days - 1 or 2
    try:
        changed = kh.settings.update(default_key_lifetime_days=shorter)
        assert isinstance(changed, models.SettingsPublic)
        assert changed.default_key_lifetime_days == shorter
        assert changed.max_key_lifetime_days == before.max_key_lifetime_days
        assert kh.settings.get().default_key_lifetime_days == shorter
    finally:
        restored = kh.settings.update(
            default_key_lifetime_days=before.default_key_lifetime_days,
            max_key_lifetime_days=before.max_key_lifetime_days,
        )
    assert restored.default_key_lifetime_days == before.default_key_lifetime_days
    assert restored.max_key_lifetime_days == before.max_key_lifetime_days


def test_scopes(kh: Keyhouse, user_kh: Keyhouse) -> None:
    catalog = user_kh.scopes.list()  # any valid key reads it
    assert isinstance(catalog, models.ScopesPublic)
    builtin = {scope.name: scope for scope in catalog.data if scope.builtin}
    assert set(ALL_SCOPES) | {"iam", "admin"} <= set(builtin)
    assert all(isinstance(scope, models.ScopePublic) for scope in catalog.data)

    name = unique("scope")
    created = kh.scopes.create(name=name, description="checked downstream")
    assert isinstance(created, models.ScopePublic)
    assert (created.name, created.description, created.builtin) == (
        name,
        "checked downstream",
        False,
    )
    plain = kh.scopes.create(name=unique("scope"))
    assert plain.description == ""
    assert name in {scope.name for scope in kh.scopes.iter()}


def test_audit(kh: Keyhouse, user_kh: Keyhouse, user: Credentials) -> None:
    name = unique("client/audited")
    user_kh.secrets.create(name=name, value="v")
    events = kh.audit.list(principal=user.name, action="secrets:CreateSecret")
    assert isinstance(events, models.AuditEventsPublic)
    assert len(events.data) == 1
    event = events.data[0]
    assert isinstance(event, models.AuditEventPublic)
    assert event.principal == f"user/{user.name}"
    assert event.key_id == user.key_id
    assert event.action == "secrets:CreateSecret"
    assert event.target == f"khrn:secret:user/{user.name}/{name}"
    assert event.outcome == "success"
    assert events.next_cursor is None


# IAM: customer policies and attachments (admins), the catalog, validation, simulation.


def test_iam_policies_lifecycle(kh: Keyhouse) -> None:
    name = unique("policy")
    read = policy_document(
        "Allow", "secrets:GetSecretValue", "khrn:secret:project/ml/*", sid="Read"
    )
    created = kh.iam.create_policy(name=name, document=read, description="ml tokens")
    assert isinstance(created, models.PolicyPublic)
    assert (created.name, created.arn, created.description) == (
        name,
        f"khrn:policy:{name}",
        "ml tokens",
    )
    assert created.version == 1
    assert created.attachments == 0
    assert created.document == stored_document(
        "Allow", "secrets:GetSecretValue", "khrn:secret:project/ml/*", sid="Read"
    )
    assert created.updated_at == created.created_at
    assert kh.iam.get_policy(policy=name) == created

    described = kh.iam.update_policy(policy=name, description="ml team tokens")
    assert isinstance(described, models.PolicyPublic)
    assert (described.description, described.version) == ("ml team tokens", 1)
    same = kh.iam.update_policy(policy=name, document=read)  # the same document: no new version
    assert (same.version, same.document) == (1, created.document)

    write = policy_document("Allow", "secrets:PutSecretValue", "khrn:secret:project/ml/*")
    updated = kh.iam.update_policy(policy=name, document=write)
    assert (updated.id, updated.version, updated.description) == (created.id, 2, "ml team tokens")
    assert updated.document == stored_document(
        "Allow", "secrets:PutSecretValue", "khrn:secret:project/ml/*"
    )
    assert updated.updated_at > created.updated_at
    assert kh.iam.get_policy(policy=name) == updated
    cleared = kh.iam.update_policy(policy=name, description=None)
    assert (cleared.description, cleared.version) == (None, 2)

    page = kh.iam.list_policies(limit=1)
    assert isinstance(page, models.PoliciesPublic)
    assert len(page.data) == 1
    assert isinstance(page.data[0], models.PolicyPublic)
    assert page.next_cursor is not None  # the world's policies and this one at least
    assert name in {policy.name for policy in kh.iam.iter_policies()}

    kh.iam.delete_policy(policy=name)
    with pytest.raises(NotFoundError) as caught:
        kh.iam.get_policy(policy=name)
    assert caught.value.detail == f"policy '{name}' does not exist"


def test_iam_attachments(kh: Keyhouse, user: Credentials) -> None:
    name = kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT).name
    role = kh.roles.create(name=unique("role")).name

    to_role = kh.iam.attach_policy(policy=name, principal_name=role)  # a role unless told
    assert isinstance(to_role, models.AttachmentPublic)
    assert (to_role.policy, to_role.principal_kind, to_role.principal_name) == (name, "role", role)
    assert to_role.principal_arn == f"khrn:role:{role}"
    to_user = kh.iam.attach_policy(policy=name, principal_kind="user", principal_name=user.name)
    assert (to_user.principal_kind, to_user.principal_arn) == ("user", f"khrn:user:{user.name}")

    listed = kh.iam.list_attachments(policy=name)
    assert isinstance(listed, models.AttachmentsPublic)
    assert listed.data == [to_role, to_user]  # in the order they were made
    assert listed.next_cursor is None
    assert kh.iam.get_policy(policy=name).attachments == 2

    with pytest.raises(ConflictError) as caught:
        kh.iam.delete_policy(policy=name)
    assert caught.value.status == 409
    detail = str(caught.value.detail)
    assert f"khrn:role:{role}" in detail
    assert f"khrn:user:{user.name}" in detail
    assert kh.iam.get_policy(policy=name).attachments == 2  # the refusal changed nothing

    kh.iam.detach_policy(policy=name, principal_kind="role", principal_name=role)
    assert kh.iam.list_attachments(policy=name).data == [to_user]
    kh.iam.detach_policy(policy=name, principal_kind="user", principal_name=user.name)
    assert kh.iam.list_attachments(policy=name).data == []
    assert kh.iam.get_policy(policy=name).attachments == 0
    kh.iam.delete_policy(policy=name)


def test_iam_deleting_a_principal_drops_its_attachments(kh: Keyhouse) -> None:
    name = kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT).name
    role = kh.roles.create(name=unique("role")).name
    kh.iam.attach_policy(policy=name, principal_name=role)
    with pytest.raises(ConflictError):
        kh.iam.delete_policy(policy=name)
    kh.roles.delete(role=role)
    assert kh.iam.list_attachments(policy=name).data == []
    assert kh.iam.get_policy(policy=name).attachments == 0
    kh.iam.delete_policy(policy=name)


def test_iam_attached_policies_are_in_force_at_once(
    kh: Keyhouse, user_kh: Keyhouse, user: Credentials
) -> None:
    project = kh.projects.create(name=unique("proj")).name  # the user is no member
    with pytest.raises(PermissionDeniedError) as refused:
        user_kh.projects.get(project=project)
    assert refused.value.project == project

    name = unique("policy")
    allow = policy_document("Allow", "projects:GetProject", f"khrn:project:{project}")
    kh.iam.create_policy(name=name, document=allow)
    kh.iam.attach_policy(policy=name, principal_kind="user", principal_name=user.name)
    seen = user_kh.projects.get(project=project)
    assert (seen.name, seen.my_role) == (project, None)

    deny = policy_document("Deny", "projects:GetProject", f"khrn:project:{project}", sid="Hidden")
    assert kh.iam.update_policy(policy=name, document=deny).version == 2
    with pytest.raises(PermissionDeniedError) as denied:
        user_kh.projects.get(project=project)
    assert denied.value.detail == (
        f"projects:GetProject on khrn:project:{project} is denied by policy "
        f"'{name}' (statement 'Hidden')"
    )

    kh.iam.update_policy(policy=name, document=allow)
    assert user_kh.projects.get(project=project).name == project
    kh.iam.detach_policy(policy=name, principal_kind="user", principal_name=user.name)
    with pytest.raises(PermissionDeniedError):
        user_kh.projects.get(project=project)


def test_iam_list_actions(user_kh: Keyhouse) -> None:
    catalog = user_kh.iam.list_actions()  # any valid key reads it
    assert isinstance(catalog, models.ActionsPublic)
    assert all(isinstance(action, models.ActionPublic) for action in catalog.data)
    names = [action.name for action in catalog.data]
    assert names == sorted(set(names))
    scopes = {action.name: action.scope for action in catalog.data}
    assert scopes["secrets:GetSecretValue"] == "secrets"
    assert scopes["keys:CreateKey"] == "keys"
    assert scopes["projects:AddMember"] == "project"
    assert scopes["settings:UpdateSettings"] == "admin"
    assert scopes["iam:PassRole"] == "keys"  # part of making keys
    policy_actions = {
        "iam:CreatePolicy",
        "iam:ListPolicies",
        "iam:GetPolicy",
        "iam:UpdatePolicy",
        "iam:DeletePolicy",
        "iam:AttachPolicy",
        "iam:DetachPolicy",
        "iam:ListAttachments",
        "iam:SimulatePolicy",
    }
    assert {name: scopes[name] for name in policy_actions} == dict.fromkeys(policy_actions, "iam")
    resources = {action.name: action.resource for action in catalog.data}
    assert resources["settings:UpdateSettings"] == "khrn:settings"
    assert "khrn:policy:<name>" in resources["iam:CreatePolicy"]


def test_iam_managed_policies(user_kh: Keyhouse) -> None:
    listed = user_kh.iam.list_managed_policies()  # any valid key reads them
    assert isinstance(listed, models.ManagedPoliciesPublic)
    assert [policy.name for policy in listed.data] == MANAGED_POLICIES
    assert all(isinstance(policy, models.ManagedPolicyPublic) for policy in listed.data)
    assert all(policy.arn == f"khrn:policy:{policy.name}" for policy in listed.data)
    by_name = {policy.name: policy for policy in listed.data}
    assert by_name["keyhouse/AdminAccess"].document == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}],
    }

    viewer = user_kh.iam.get_managed_policy(policy="ProjectViewer")
    assert isinstance(viewer, models.ManagedPolicyPublic)
    assert viewer == by_name["keyhouse/ProjectViewer"]
    sids = [statement["Sid"] for statement in viewer.document["Statement"]]
    assert sids == ["ReadProject", "ReadSecrets", "Leave"]
    assert "${project}" in viewer.document["Statement"][0]["Resource"]
    # A project viewer may not write: that is the member's policy.
    member = user_kh.iam.get_managed_policy(policy="ProjectMember")
    assert "WriteSecrets" in {statement["Sid"] for statement in member.document["Statement"]}
    assert "WriteSecrets" not in sids


def test_iam_get_managed_policy_by_its_full_name(user_kh: Keyhouse) -> None:
    # Documented: "by its short name (ProjectViewer) or full one"; the full name is
    # the one list_managed_policies gives, and it holds a slash.
    listed = {policy.name: policy for policy in user_kh.iam.list_managed_policies().data}
    for name in MANAGED_POLICIES:
        assert user_kh.iam.get_managed_policy(policy=name) == listed[name]


def test_iam_validate_policy(user_kh: Keyhouse) -> None:
    # Any valid key may validate (no iam scope): plans call it to fail early.
    valid = user_kh.iam.validate_policy(document=POLICY_DOCUMENT)
    assert isinstance(valid, models.ValidateResponse)
    assert (valid.valid, valid.errors, valid.warnings) == (True, [], [])

    unknown = user_kh.iam.validate_policy(
        document={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "secrets:GetSecrett", "Resource": "*"}],
        }
    )
    assert unknown.valid is False
    assert len(unknown.errors) == 1
    assert isinstance(unknown.errors[0], models.Finding)
    assert unknown.errors[0].pointer == "/Statement/0/Action"
    assert unknown.errors[0].message == ("unknown action; did you mean secrets:GetSecret?")
    single = user_kh.iam.validate_policy(  # Statement an object, Action a list
        document={
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": ["secrets:GetSecret", "secrets:GetSecrett"],
                "Resource": "*",
            },
        }
    )
    assert [error.pointer for error in single.errors] == ["/Statement/Action/1"]

    as_text = user_kh.iam.validate_policy(
        document='{"Version": "2012-10-17", "Statement": '
        '[{"Effect": "Allow", "NotAction": "secrets:*", "Resource": "*"}]}'
    )
    assert (as_text.valid, as_text.errors) == (True, [])
    assert [warning.pointer for warning in as_text.warnings] == ["/Statement/0"]

    broken = user_kh.iam.validate_policy(
        document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Permit",
                    "Action": "secrets:GetSecretValue",
                    "Resource": "arn:aws:s3:::bucket",
                    "Condition": {"IpAddress": {"keyhouse:SourceIP": "10.0.0.0/8"}},
                }
            ],
        }
    )
    assert broken.valid is False
    assert sorted(error.pointer for error in broken.errors) == [
        "/Statement/0/Condition/IpAddress/keyhouse:SourceIP",
        "/Statement/0/Effect",
        "/Statement/0/Resource",
    ]
    hints = {error.pointer: error.message for error in broken.errors}
    assert (
        "did you mean keyhouse:SourceIp?"
        in hints["/Statement/0/Condition/IpAddress/keyhouse:SourceIP"]
    )


def test_iam_simulate(kh: Keyhouse) -> None:
    admin = kh.keys.whoami().principal.name
    role = kh.roles.create(name=unique("role")).name
    name = unique("policy")
    project = unique("proj")
    kh.iam.create_policy(
        name=name,
        document=policy_document(
            "Deny", "secrets:GetSecretValue", f"khrn:secret:project/{project}/*", sid="NoProject"
        ),
    )
    kh.iam.attach_policy(policy=name, principal_name=role)
    self_service = f"keyhouse/SelfService(kind=role, name={role})"
    principal = models.PrincipalRef(kind="role", name=role)

    denied = kh.iam.simulate(
        principal=principal,
        action="secrets:GetSecretValue",
        resource=f"khrn:secret:project/{project}/token",
    )
    assert isinstance(denied, models.SimulateResponse)
    assert denied.decision == "explicit_deny"
    assert denied.statements == [
        models.DecidingStatement(policy=name, sid="NoProject", index=0, effect="Deny")
    ]
    assert denied.policies == [self_service, name]

    own = kh.iam.simulate(
        principal=principal, action="secrets:GetSecretValue", resource=f"khrn:secret:role/{role}/x"
    )
    assert own.decision == "allowed"
    assert own.statements == [
        models.DecidingStatement(policy=self_service, sid="OwnSecrets", index=1, effect="Allow")
    ]
    other = kh.iam.simulate(
        principal=principal, action="secrets:GetSecretValue", resource="khrn:secret:user/x/y"
    )
    assert (other.decision, other.statements) == ("implicit_deny", [])

    as_admin = kh.iam.simulate(
        principal=models.PrincipalRef(kind="user", name=admin),
        action="iam:CreatePolicy",
        resource="khrn:policy:anything",
    )
    assert as_admin.decision == "allowed"
    assert as_admin.statements == [
        models.DecidingStatement(
            policy="keyhouse/AdminAccess", sid="Everything", index=0, effect="Allow"
        )
    ]
    # An extra document evaluated with what the admin holds: an explicit Deny wins.
    overruled = kh.iam.simulate(
        principal=models.PrincipalRef(kind="user", name=admin),
        policies=[policy_document("Deny", "iam:*", "*", sid="Freeze")],
        action="iam:CreatePolicy",
        resource="khrn:policy:anything",
    )
    assert overruled.decision == "explicit_deny"
    assert overruled.statements == [
        models.DecidingStatement(policy="policies[0]", sid="Freeze", index=0, effect="Deny")
    ]
    assert overruled.policies[-1] == "policies[0]"


def test_iam_simulate_conditions_with_a_context(kh: Keyhouse) -> None:
    vpn = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FromTheVpn",
                "Effect": "Allow",
                "Action": "secrets:GetSecretValue",
                "Resource": "*",
                "Condition": {"IpAddress": {"keyhouse:SourceIp": "10.0.0.0/8"}},
            }
        ],
    }
    inside = kh.iam.simulate(
        policies=[vpn],
        action="secrets:GetSecretValue",
        resource="khrn:secret:role/ci/token",
        context={"keyhouse:SourceIp": "10.1.2.3"},
    )
    assert (inside.decision, inside.policies) == ("allowed", ["policies[0]"])
    assert [statement.sid for statement in inside.statements] == ["FromTheVpn"]
    outside = kh.iam.simulate(
        policies=[vpn],
        action="secrets:GetSecretValue",
        resource="khrn:secret:role/ci/token",
        context={"keyhouse:SourceIp": "192.168.1.1"},
    )
    assert (outside.decision, outside.statements) == ("implicit_deny", [])
    unknown = kh.iam.simulate(
        policies=[vpn], action="secrets:GetSecretValue", resource="khrn:secret:role/ci/token"
    )
    assert unknown.decision == "implicit_deny"  # no source address: the condition fails


# with_response.


def test_with_response_on_a_read(kh: Keyhouse) -> None:
    response = kh.health.with_response.healthz()
    assert response.status_code == 200
    assert isinstance(response.parsed, models.Health)
    assert response.headers["content-type"].startswith("application/json")
    assert response.request_id is not None
    assert response.request_id == response.headers["x-request-id"]
    assert response.attempts == 1

    page = kh.users.with_response.list(limit=1)
    assert page.status_code == 200
    assert isinstance(page.parsed, models.UsersPublic)
    assert page.request_id == page.headers["x-request-id"]
    assert page.request_id != response.request_id


def test_with_response_on_a_create_and_a_delete(kh: Keyhouse) -> None:
    created = kh.roles.with_response.create(name=unique("role"))
    assert created.status_code == 201
    assert isinstance(created.parsed, models.RolePublic)
    assert created.request_id == created.headers["x-request-id"]
    assert created.attempts == 1
    assert "idempotent-replayed" not in created.headers

    deleted = kh.roles.with_response.delete(role=created.parsed.name)
    assert deleted.status_code == 204
    assert deleted.parsed is None
    assert deleted.request_id == deleted.headers["x-request-id"]


def test_with_response_shows_an_idempotent_replay(user_kh: Keyhouse) -> None:
    name, token = unique("client/replayed"), unique("idem")
    first = user_kh.secrets.with_response.create(name=name, value="v", idempotency_key=token)
    second = user_kh.secrets.with_response.create(name=name, value="v", idempotency_key=token)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true"
    assert second.parsed == first.parsed
    assert second.request_id != first.request_id
    assert [secret.id for secret in user_kh.secrets.list(name_prefix=name).data] == [
        first.parsed.id
    ]


def test_iam_creates_replay_with_their_idempotency_key(kh: Keyhouse) -> None:
    name, token = unique("policy"), unique("idem")
    first = kh.iam.with_response.create_policy(
        name=name, document=POLICY_DOCUMENT, idempotency_key=token
    )
    again = kh.iam.with_response.create_policy(
        name=name, document=POLICY_DOCUMENT, idempotency_key=token
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.parsed == first.parsed
    assert again.parsed.version == 1

    role, attach_token = kh.roles.create(name=unique("role")).name, unique("idem")
    attached = kh.iam.with_response.attach_policy(
        policy=name, principal_name=role, idempotency_key=attach_token
    )
    replayed = kh.iam.with_response.attach_policy(
        policy=name, principal_name=role, idempotency_key=attach_token
    )
    assert (attached.status_code, replayed.status_code) == (201, 201)  # not a 409
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.parsed == attached.parsed
    assert kh.iam.get_policy(policy=name).attachments == 1


def test_with_response_on_an_update(user_kh: Keyhouse) -> None:
    project = user_kh.projects.create(name=unique("proj"))
    response = user_kh.projects.with_response.update(project=project.name, description="d")
    assert response.status_code == 200
    assert isinstance(response.parsed, models.ProjectPublic)
    assert response.parsed.description == "d"
    assert response.request_id == response.headers["x-request-id"]


def test_concurrent_calls_share_one_client(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        names = [unique("role") for _ in range(MANY)]
        created = await asyncio.gather(*(kh.roles.create(name=name) for name in names))
        assert [role.name for role in created] == names
        fetched = await asyncio.gather(*(kh.roles.get(role=name) for name in names))
        assert [role.id for role in fetched] == [role.id for role in created]

    akh(body)


# Iterators walk every page.


def test_api_keys_iter(user_kh: Keyhouse, user: Credentials) -> None:
    made = {user_kh.api_keys.create(name=unique("key"), scopes=["job"]).id for _ in range(MANY)}
    seen = [key.id for key in user_kh.api_keys.iter(limit=PAGE)]
    assert all(isinstance(key, models.ApiKeyPublic) for key in user_kh.api_keys.iter(limit=PAGE))
    assert len(seen) == len(set(seen)) == MANY + 1
    assert set(seen) == made | {user.key_id}


def test_secrets_iter(user_kh: Keyhouse) -> None:
    prefix = unique("client/iter") + "/"
    made = {user_kh.secrets.create(name=f"{prefix}{i}", value="v").id for i in range(MANY)}
    items = list(user_kh.secrets.iter(name_prefix=prefix, limit=PAGE))
    assert all(isinstance(item, models.SecretPublic) for item in items)
    assert sorted(item.id for item in items) == sorted(made)


def test_projects_iter(user_kh: Keyhouse) -> None:
    made = {user_kh.projects.create(name=unique("proj")).name for _ in range(MANY)}
    items = list(user_kh.projects.iter(limit=PAGE))
    assert all(isinstance(item, models.ProjectPublic) for item in items)
    names = [item.name for item in items]
    assert names == sorted(made)


def test_projects_iter_members(kh: Keyhouse) -> None:
    project = kh.projects.create(name=unique("proj")).name
    made = {kh.users.create(name=unique("user")).name for _ in range(MANY)}
    for name in made:
        kh.projects.add_member(project=project, principal_name=name)
    items = list(kh.projects.iter_members(project=project, limit=PAGE))
    assert all(isinstance(item, models.MemberPublic) for item in items)
    names = [item.principal_name for item in items]
    assert len(names) == len(set(names)) == MANY + 1
    assert set(names) == made | {kh.keys.whoami().principal.name}


def test_users_iter(kh: Keyhouse) -> None:
    made = {kh.users.create(name=unique("user")).name for _ in range(MANY)}
    items = list(kh.users.iter(limit=PAGE))
    assert all(isinstance(item, models.UserPublic) for item in items)
    names = [item.name for item in items]
    assert names == sorted(set(names))  # ordered by name, none twice
    assert made <= set(names)


def test_roles_iter(kh: Keyhouse) -> None:
    made = {kh.roles.create(name=unique("role")).name for _ in range(MANY)}
    items = list(kh.roles.iter(limit=PAGE))
    assert all(isinstance(item, models.RolePublic) for item in items)
    names = [item.name for item in items]
    assert names == sorted(set(names))
    assert made <= set(names)


def test_scopes_iter(kh: Keyhouse) -> None:
    made = {kh.scopes.create(name=unique("scope")).name for _ in range(MANY)}
    items = list(kh.scopes.iter(limit=PAGE))
    assert all(isinstance(item, models.ScopePublic) for item in items)
    names = [item.name for item in items]
    assert names == sorted(set(names))
    assert made | set(ALL_SCOPES) <= set(names)


def test_iam_iter_policies(kh: Keyhouse) -> None:
    made = {
        kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT).name
        for _ in range(MANY)
    }
    items = list(kh.iam.iter_policies(limit=PAGE))
    assert all(isinstance(item, models.PolicyPublic) for item in items)
    names = [item.name for item in items]
    assert names == sorted(set(names))  # ordered by name, none twice
    assert made <= set(names)


def test_iam_iter_attachments(kh: Keyhouse) -> None:
    name = kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT).name
    made = [kh.roles.create(name=unique("role")).name for _ in range(MANY)]
    for role in made:
        kh.iam.attach_policy(policy=name, principal_name=role)
    items = list(kh.iam.iter_attachments(policy=name, limit=PAGE))
    assert all(isinstance(item, models.AttachmentPublic) for item in items)
    assert [item.principal_name for item in items] == made  # oldest first, none twice
    assert {item.policy for item in items} == {name}


def test_audit_iter(kh: Keyhouse, user_kh: Keyhouse, user: Credentials) -> None:
    targets = []
    for i in range(MANY):
        name = unique(f"client/audit{i}")
        user_kh.secrets.create(name=name, value="v")
        targets.append(f"khrn:secret:user/{user.name}/{name}")
    items = list(kh.audit.iter(principal=user.name, action="secrets:CreateSecret", limit=PAGE))
    assert all(isinstance(item, models.AuditEventPublic) for item in items)
    assert [item.target for item in items] == targets[::-1]  # newest first


# NOT_GIVEN leaves a field out; None sends null and clears it.


def test_project_description_left_out_or_cleared(user_kh: Keyhouse) -> None:
    name = unique("proj")
    user_kh.projects.create(name=name, description="kept")
    assert user_kh.projects.update(project=name).description == "kept"
    assert user_kh.projects.update(project=name, description=None).description is None
    assert user_kh.projects.get(project=name).description is None


def test_role_description_left_out_or_cleared(kh: Keyhouse) -> None:
    name = unique("role")
    kh.roles.create(name=name, description="kept")
    assert kh.roles.update(role=name).description == "kept"
    assert kh.roles.update(role=name, description=None).description is None
    assert kh.roles.get(role=name).description is None


def test_secret_description_left_out_or_cleared(user_kh: Keyhouse) -> None:
    secret = user_kh.secrets.create(name=unique("client/d"), value="v", description="kept")
    assert user_kh.secrets.update(secret_id=secret.id).description == "kept"
    assert user_kh.secrets.update(secret_id=secret.id, description=None).description is None
    assert user_kh.secrets.get(secret_id=secret.id).description is None


def test_user_email_left_out_or_cleared(kh: Keyhouse) -> None:
    name = unique("user")
    kh.users.create(name=name, email="kept@example.com")
    assert kh.users.update(user=name, is_admin=False).email == "kept@example.com"
    assert kh.users.update(user=name, email=None).email is None
    assert kh.users.get(user=name).email is None


def test_api_key_fields_left_out_are_kept(user_kh: Keyhouse) -> None:
    name = unique("key")
    key = user_kh.api_keys.create(name=name, scopes=["job", "kafka"])
    assert user_kh.api_keys.update(key_id=key.id, scopes=["job"]).name == name
    renamed = user_kh.api_keys.update(key_id=key.id, name=unique("key"))
    assert renamed.scopes == ["job"]
    assert user_kh.api_keys.update(key_id=key.id, name=None, scopes=None).scopes == ["job"]


def test_explicit_none_filters_mean_no_filter(user_kh: Keyhouse) -> None:
    # A query string cannot say null: None must leave the parameter out, as NOT_GIVEN does.
    user_kh.secrets.create(name=unique("client/q"), value="v")
    every_key = [key.id for key in user_kh.api_keys.list().data]
    assert [key.id for key in user_kh.api_keys.list(name=None, status=None).data] == every_key
    every_secret = [secret.id for secret in user_kh.secrets.list().data]
    none_given = user_kh.secrets.list(project=None, visibility=None, name_prefix=None)
    assert [secret.id for secret in none_given.data] == every_secret


def test_explicit_none_cursor_is_the_first_page(user_kh: Keyhouse) -> None:
    for _ in range(2):
        user_kh.projects.create(name=unique("proj"))
    first = user_kh.projects.list(limit=1)
    assert first.next_cursor is not None
    assert user_kh.projects.list(limit=1, cursor=None) == first
