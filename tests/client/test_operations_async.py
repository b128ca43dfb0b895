"""Every operation of the async client (``AsyncKeyhouse``) against the live service.

The same checks as ``test_operations_sync``, awaited. Each test is a plain
function: ``akh(body)`` runs the coroutine ``body`` with ``asyncio.run``, on an
``AsyncKeyhouse`` opened and closed inside that event loop.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from keyhouse_client import (
    APIError,
    AsyncKeyhouse,
    AuthenticationError,
    ConflictError,
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


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda case: case.id)
def test_documented_error(case: Case, world: World) -> None:
    runner = AsyncRunner(world.url, world.key(case.caller), __name__)

    async def body(kh: AsyncKeyhouse) -> APIError:
        operation = getattr(getattr(kh, case.resource), case.operation)
        with pytest.raises(APIError) as caught:
            await operation(**case.kwargs(world))
        return caught.value

    with case.arranged(world):
        error = runner(body)
    case.check(error, world)


def test_iterators_raise_typed_errors(world: World) -> None:
    runner = AsyncRunner(world.url, world.key(Caller.REVOKED), __name__)

    async def body(kh: AsyncKeyhouse) -> None:
        with pytest.raises(AuthenticationError) as caught:
            await anext(kh.projects.iter(limit=PAGE))
        assert caught.value.status == 401
        assert caught.value.reason == "revoked"

    runner(body)


@pytest.mark.parametrize("name", [".", ".."], ids=["dot", "dot-dot"])
def test_a_path_parameter_stays_one_segment(akh: AsyncRunner, name: str) -> None:
    # /users/{name} with the name "." or "..": the request must still ask for that
    # user, not be resolved to /users (the list) or /api/v1 on the way out.
    async def body(kh: AsyncKeyhouse) -> None:
        with pytest.raises(NotFoundError) as caught:
            await kh.users.get(name=name)
        assert caught.value.detail == f"user '{name}' does not exist"

    akh(body)


# Health and keys.


def test_health(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        health = await kh.health.healthz()
        assert isinstance(health, models.Health)
        assert health.status == "ok"
        ready = await kh.health.readyz()
        assert isinstance(ready, models.Readiness)
        assert (ready.status, ready.database, ready.migrations) == ("ready", "ok", "ok")

    akh(body)


def test_whoami(akh: AsyncRunner, user_akh: AsyncRunner, user: Credentials) -> None:
    async def as_admin(kh: AsyncKeyhouse) -> None:
        admin = await kh.keys.whoami()
        assert isinstance(admin, models.Whoami)
        assert admin.is_admin is True
        assert admin.principal.kind == "user"
        assert {"admin", "iam"} <= set(admin.key.scopes)

    async def as_user(kh: AsyncKeyhouse) -> None:
        me = await kh.keys.whoami()
        assert isinstance(me, models.Whoami)
        assert isinstance(me.key, models.WhoamiKey)
        assert me.principal == models.PrincipalRef(kind="user", name=user.name)
        assert me.is_admin is False
        assert me.key.id == user.key_id
        assert me.key.scopes == sorted(ALL_SCOPES)
        assert me.key.project is None
        assert me.key.expires_at > datetime.now(UTC)
        same_secret(user.key[: len(me.key.prefix)], me.key.prefix, "the key's prefix")

    akh(as_admin)
    user_akh(as_user)


def test_verify(akh: AsyncRunner, user: Credentials, world: World) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        valid = await kh.keys.verify(key=user.key, scopes=["secrets", "keys"])
        assert isinstance(valid, models.VerifyResponse)
        assert valid.valid is True
        assert valid.reason is None
        assert valid.key_id == user.key_id
        assert valid.principal == models.PrincipalRef(kind="user", name=user.name)
        assert valid.scopes == sorted(ALL_SCOPES)
        assert valid.project is None
        assert valid.expires_at is not None

        missing = await kh.keys.verify(key=user.key, scopes=["iam"])
        assert (missing.valid, missing.reason, missing.key_id) == (
            False,
            "missing_scope",
            user.key_id,
        )
        outsider = await kh.keys.verify(key=user.key, project=world.project)
        assert (outsider.valid, outsider.reason) == (False, "not_a_collaborator")
        revoked = await kh.keys.verify(key=world.key(Caller.REVOKED))
        assert (revoked.valid, revoked.reason) == (False, "revoked")
        malformed = await kh.keys.verify(key="kh_not-a-key")
        assert (malformed.valid, malformed.reason, malformed.key_id) == (False, "malformed", None)

    akh(body)


# API keys.


def test_api_keys_lifecycle(user_akh: AsyncRunner, user: Credentials) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("key")
        created = await kh.api_keys.create(name=name, scopes=["secrets", "job"], expires_in_days=30)
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

        fetched = await kh.api_keys.get(key_id=created.id)
        assert type(fetched) is models.ApiKeyPublic
        assert fetched.model_dump() == created.model_dump(exclude={"key"})

        listed = await kh.api_keys.list(name=name)
        assert isinstance(listed, models.ApiKeysPublic)
        assert [key.id for key in listed.data] == [created.id]
        assert listed.next_cursor is None
        active = await kh.api_keys.list(status="active", prefix=created.prefix)
        assert [key.id for key in active.data] == [created.id]

        renamed = unique("renamed")
        updated = await kh.api_keys.update(key_id=created.id, name=renamed, scopes=["job"])
        assert isinstance(updated, models.ApiKeyPublic)
        assert (updated.id, updated.name, updated.scopes) == (created.id, renamed, ["job"])

        revoked = await kh.api_keys.revoke(key_id=created.id)
        assert isinstance(revoked, models.ApiKeyPublic)
        assert revoked.status == "revoked"
        assert revoked.revoked_at is not None
        answer = await kh.keys.verify(key=created.key)
        assert answer.reason == "revoked"
        revoked_keys = await kh.api_keys.list(status="revoked")
        assert [key.id for key in revoked_keys.data] == [created.id]

        await kh.api_keys.delete(key_id=created.id)
        with pytest.raises(NotFoundError):
            await kh.api_keys.get(key_id=created.id)

    user_akh(body)


def test_api_keys_create_for_a_role_restricted_to_a_project(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        role = await kh.roles.create(name=unique("role"))
        project = await kh.projects.create(name=unique("proj"))
        when = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
        created = await kh.api_keys.create(
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

        outside = await kh.keys.verify(key=created.key, scopes=["job"], project=project.name)
        assert (outside.valid, outside.reason) == (False, "not_a_collaborator")
        await kh.projects.add_member(
            project=project.name, principal_kind="role", principal_name=role.name
        )
        inside = await kh.keys.verify(key=created.key, scopes=["job"], project=project.name)
        assert (inside.valid, inside.project, inside.principal) == (
            True,
            project.name,
            created.owner,
        )

    akh(body)


def test_api_keys_create_for_another_user(akh: AsyncRunner, user: Credentials) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        created = await kh.api_keys.create(
            name=unique("given"), scopes=["job"], owner_user=user.name
        )
        assert created.owner == models.PrincipalRef(kind="user", name=user.name)
        fetched = await kh.api_keys.get(key_id=created.id)
        assert fetched.owner.name == user.name

    akh(body)


def test_api_keys_roll(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        old = await kh.api_keys.create(name=unique("key"), scopes=["secrets"], expires_in_days=30)
        made = await kh.api_keys.roll(key_id=old.id, overlap_seconds=600)
        rolled = made
        assert isinstance(rolled, models.ApiKeyRolled)
        assert (rolled.name, rolled.scopes, rolled.status) == (old.name, old.scopes, "active")
        assert rolled.expires_at - rolled.created_at == timedelta(days=30)
        assert (rolled.replaces.id, rolled.replaces.status) == (old.id, "rolled")
        assert rolled.replaces.replaced_by == rolled.id
        assert made.key is not None
        answer = await kh.keys.verify(key=old.key)
        assert (answer.valid, answer.replaced_by) == (True, rolled.id)
        assert (await kh.keys.verify(key=made.key)).valid

    user_akh(body)


# Secrets.


def test_secrets_private_lifecycle(user_akh: AsyncRunner, user: Credentials) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("client/private")
        created = await kh.secrets.create(name=name, value="first value", description="the first")
        assert isinstance(created, models.SecretPublic)
        assert created.name == name
        assert (created.type, created.visibility, created.project) == ("text", "private", None)
        assert created.owner == f"user/{user.name}"
        assert created.description == "the first"
        assert created.version == 1

        assert await kh.secrets.get(secret_id=created.id) == created
        found = await kh.secrets.get_by_name(name=name)
        assert isinstance(found, models.SecretPublic)
        assert found.id == created.id

        value = await kh.secrets.get_value(secret_id=created.id)
        assert isinstance(value, models.SecretValue)
        assert (value.id, value.name, value.type, value.version) == (created.id, name, "text", 1)
        same_secret(value.value.get_secret_value(), "first value", "the value read back")

        replaced = await kh.secrets.put_value(secret_id=created.id, value="second value")
        assert isinstance(replaced, models.SecretPublic)
        assert (replaced.id, replaced.version, replaced.type) == (created.id, 2, "text")
        again = await kh.secrets.get_value(secret_id=created.id)
        assert again.version == 2
        same_secret(again.value.get_secret_value(), "second value", "the replaced value read back")

        updated = await kh.secrets.update(secret_id=created.id, description="the second")
        assert isinstance(updated, models.SecretPublic)
        assert (updated.description, updated.version) == ("the second", 2)

        listed = await kh.secrets.list(name_prefix=name, visibility="private")
        assert isinstance(listed, models.SecretsPublic)
        assert [secret.id for secret in listed.data] == [created.id]

        await kh.secrets.delete(secret_id=created.id)
        with pytest.raises(NotFoundError):
            await kh.secrets.get(secret_id=created.id)

    user_akh(body)


def test_secrets_shared_with_a_project(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        project = await kh.projects.create(name=unique("proj"))
        content = base64.b64encode(b"\x00\x01 binary \xff").decode()
        name = unique("client/file")
        created = await kh.secrets.create(
            name=name, value=content, type="file", visibility="project", project=project.name
        )
        assert (created.type, created.visibility, created.project) == (
            "file",
            "project",
            project.name,
        )

        found = await kh.secrets.get_by_name(name=name, project=project.name)
        assert found.id == created.id
        value = await kh.secrets.get_value(secret_id=created.id)
        assert value.type == "file"
        same_secret(value.value.get_secret_value(), content, "the file's base64 read back")
        shared = await kh.secrets.list(project=project.name, visibility="project")
        assert [secret.id for secret in shared.data] == [created.id]

        retyped = await kh.secrets.put_value(secret_id=created.id, value="plain text", type="text")
        assert (retyped.type, retyped.version) == ("text", 2)

        await kh.secrets.delete(secret_id=created.id)
        await kh.projects.delete(project=project.name)

    user_akh(body)


# Projects.


def test_projects_lifecycle(akh: AsyncRunner, user_akh: AsyncRunner, user: Credentials) -> None:
    name = unique("proj")

    async def as_admin_before(kh: AsyncKeyhouse) -> tuple[str, str]:
        colleague = await kh.users.create(name=unique("user"))
        role = await kh.roles.create(name=unique("role"))
        # The owner may add them: consent over both (iam:PassRole).
        policy = await kh.iam.create_policy(
            name=unique("pass"), document=passing_document(colleague.arn, role.arn)
        )
        await kh.iam.attach_policy(
            name=policy.name, principal_kind="user", principal_name=user.name
        )
        return colleague.name, role.name

    async def as_admin_after(kh: AsyncKeyhouse) -> None:
        admin_view = await kh.projects.get(project=name)
        assert admin_view.my_role is None  # an admin who is not a member

    colleague, role = akh(as_admin_before)

    async def as_owner(kh: AsyncKeyhouse) -> None:
        created = await kh.projects.create(name=name, description="first")
        assert isinstance(created, models.ProjectPublic)
        assert (created.name, created.description, created.my_role) == (name, "first", "owner")

        assert await kh.projects.get(project=name) == created
        mine = await kh.projects.list()
        assert isinstance(mine, models.ProjectsPublic)
        assert [project.name for project in mine.data] == [name]

        updated = await kh.projects.update(project=name, description="second")
        assert isinstance(updated, models.ProjectPublic)
        assert updated.description == "second"

        members = await kh.projects.list_members(project=name)
        assert isinstance(members, models.MembersPublic)
        assert [(m.principal_kind, m.principal_name, m.role) for m in members.data] == [
            ("user", user.name, "owner")
        ]

        added = await kh.projects.add_member(project=name, principal_name=colleague, role="viewer")
        assert isinstance(added, models.MemberPublic)
        assert (added.project, added.principal_kind, added.principal_name, added.role) == (
            name,
            "user",
            colleague,
            "viewer",
        )
        machine = await kh.projects.add_member(
            project=name, principal_kind="role", principal_name=role
        )
        assert (machine.principal_kind, machine.role) == ("role", "member")

        changed = await kh.projects.update_member(
            project=name, principal_kind="user", principal_name=colleague, role="member"
        )
        assert isinstance(changed, models.MemberPublic)
        assert changed.role == "member"

        await kh.projects.remove_member(
            project=name, principal_kind="user", principal_name=colleague
        )
        remaining = (await kh.projects.list_members(project=name)).data
        assert {m.principal_name for m in remaining} == {user.name, role}

    user_akh(as_owner)
    akh(as_admin_after)

    async def delete(kh: AsyncKeyhouse) -> None:
        await kh.projects.delete(project=name)
        with pytest.raises(NotFoundError):
            await kh.projects.get(project=name)

    user_akh(delete)


# Users, roles, settings, scopes, audit (admins).


def test_users_lifecycle(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("user")
        created = await kh.users.create(name=name, email=f"{name}@example.com", is_admin=False)
        try:
            assert isinstance(created, models.UserPublic)
            assert (created.name, created.email, created.is_admin) == (
                name,
                f"{name}@example.com",
                False,
            )
            assert await kh.users.get(name=name) == created

            moved = await kh.users.update(name=name, email="moved@example.com")
            assert isinstance(moved, models.UserPublic)
            assert (moved.email, moved.is_admin) == ("moved@example.com", False)
            assert (await kh.users.update(name=name, is_admin=True)).is_admin is True
            assert (await kh.users.update(name=name, is_admin=False)).is_admin is False

            page = await kh.users.list(limit=1)
            assert isinstance(page, models.UsersPublic)
            assert len(page.data) == 1
            assert isinstance(page.data[0], models.UserPublic)
            assert page.next_cursor is not None  # the admin and this user at least
        finally:
            await kh.users.delete(name=name)
        with pytest.raises(NotFoundError):
            await kh.users.get(name=name)

    akh(body)


def test_roles_lifecycle(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("role")
        created = await kh.roles.create(name=name, description="a cluster")
        assert isinstance(created, models.RolePublic)
        assert (created.name, created.description) == (name, "a cluster")
        assert await kh.roles.get(name=name) == created

        updated = await kh.roles.update(name=name, description="another cluster")
        assert isinstance(updated, models.RolePublic)
        assert (updated.id, updated.description) == (created.id, "another cluster")

        page = await kh.roles.list(limit=1)
        assert isinstance(page, models.RolesPublic)
        assert len(page.data) == 1
        assert isinstance(page.data[0], models.RolePublic)

        await kh.roles.delete(name=name)
        with pytest.raises(NotFoundError):
            await kh.roles.get(name=name)

    akh(body)


def test_settings(akh: AsyncRunner, user_akh: AsyncRunner) -> None:
    async def read(kh: AsyncKeyhouse) -> models.SettingsPublic:
        return await kh.settings.get()

    before = akh(read)
    assert isinstance(before, models.SettingsPublic)
    assert 1 <= before.default_key_lifetime_days <= before.max_key_lifetime_days
    assert user_akh(read).model_dump() == before.model_dump()  # any valid key reads it

    shorter = before.default_key_lifetime_days - 1 or 2

    async def body(kh: AsyncKeyhouse) -> models.SettingsPublic:
        try:
            changed = await kh.settings.update(default_key_lifetime_days=shorter)
            assert isinstance(changed, models.SettingsPublic)
            assert changed.default_key_lifetime_days == shorter
            assert changed.max_key_lifetime_days == before.max_key_lifetime_days
            assert (await kh.settings.get()).default_key_lifetime_days == shorter
        finally:
            restored = await kh.settings.update(
                default_key_lifetime_days=before.default_key_lifetime_days,
                max_key_lifetime_days=before.max_key_lifetime_days,
            )
        return restored

    restored = akh(body)
    assert restored.default_key_lifetime_days == before.default_key_lifetime_days
    assert restored.max_key_lifetime_days == before.max_key_lifetime_days


def test_scopes(akh: AsyncRunner, user_akh: AsyncRunner) -> None:
    async def read(kh: AsyncKeyhouse) -> models.ScopesPublic:
        return await kh.scopes.list()

    catalog = user_akh(read)  # any valid key reads it
    assert isinstance(catalog, models.ScopesPublic)
    builtin = {scope.name: scope for scope in catalog.data if scope.builtin}
    assert set(ALL_SCOPES) | {"iam", "admin"} <= set(builtin)
    assert all(isinstance(scope, models.ScopePublic) for scope in catalog.data)

    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("scope")
        created = await kh.scopes.create(name=name, description="checked downstream")
        assert isinstance(created, models.ScopePublic)
        assert (created.name, created.description, created.builtin) == (
            name,
            "checked downstream",
            False,
        )
        plain = await kh.scopes.create(name=unique("scope"))
        assert plain.description == ""
        assert name in {scope.name async for scope in kh.scopes.iter()}

    akh(body)


def test_audit(akh: AsyncRunner, user_akh: AsyncRunner, user: Credentials) -> None:
    name = unique("client/audited")

    async def create(kh: AsyncKeyhouse) -> None:
        await kh.secrets.create(name=name, value="v")

    async def body(kh: AsyncKeyhouse) -> None:
        events = await kh.audit.list(principal=user.name, action="secrets:CreateSecret")
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

    user_akh(create)
    akh(body)


# IAM: customer policies and attachments (admins), the catalog, validation, simulation.


def test_iam_policies_lifecycle(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("policy")
        read = policy_document(
            "Allow", "secrets:GetSecretValue", "khrn:secret:project/ml/*", sid="Read"
        )
        created = await kh.iam.create_policy(name=name, document=read, description="ml tokens")
        assert isinstance(created, models.PolicyPublic)
        assert (created.name, created.arn, created.description) == (
            name,
            f"khrn:policy:{name}",
            "ml tokens",
        )
        assert (created.version, created.attachments) == (1, 0)
        assert created.document == stored_document(
            "Allow", "secrets:GetSecretValue", "khrn:secret:project/ml/*", sid="Read"
        )
        assert created.updated_at == created.created_at
        assert await kh.iam.get_policy(name=name) == created

        described = await kh.iam.update_policy(name=name, description="ml team tokens")
        assert isinstance(described, models.PolicyPublic)
        assert (described.description, described.version) == ("ml team tokens", 1)
        same = await kh.iam.update_policy(name=name, document=read)  # no new version
        assert (same.version, same.document) == (1, created.document)

        write = policy_document("Allow", "secrets:PutSecretValue", "khrn:secret:project/ml/*")
        updated = await kh.iam.update_policy(name=name, document=write)
        assert (updated.id, updated.version, updated.description) == (
            created.id,
            2,
            "ml team tokens",
        )
        assert updated.document == stored_document(
            "Allow", "secrets:PutSecretValue", "khrn:secret:project/ml/*"
        )
        assert updated.updated_at > created.updated_at
        assert await kh.iam.get_policy(name=name) == updated
        cleared = await kh.iam.update_policy(name=name, description=None)
        assert (cleared.description, cleared.version) == (None, 2)

        page = await kh.iam.list_policies(limit=1)
        assert isinstance(page, models.PoliciesPublic)
        assert len(page.data) == 1
        assert isinstance(page.data[0], models.PolicyPublic)
        assert page.next_cursor is not None  # the world's policies and this one at least
        assert name in {policy.name async for policy in kh.iam.iter_policies()}

        await kh.iam.delete_policy(name=name)
        with pytest.raises(NotFoundError) as caught:
            await kh.iam.get_policy(name=name)
        assert caught.value.detail == f"policy '{name}' does not exist"

    akh(body)


def test_iam_attachments(akh: AsyncRunner, user: Credentials) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = (await kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT)).name
        role = (await kh.roles.create(name=unique("role"))).name

        to_role = await kh.iam.attach_policy(name=name, principal_name=role)  # a role unless told
        assert isinstance(to_role, models.AttachmentPublic)
        assert (to_role.policy, to_role.principal_kind, to_role.principal_name) == (
            name,
            "role",
            role,
        )
        assert to_role.principal_arn == f"khrn:role:{role}"
        to_user = await kh.iam.attach_policy(
            name=name, principal_kind="user", principal_name=user.name
        )
        assert (to_user.principal_kind, to_user.principal_arn) == ("user", f"khrn:user:{user.name}")

        listed = await kh.iam.list_attachments(name=name)
        assert isinstance(listed, models.AttachmentsPublic)
        assert listed.data == [to_role, to_user]  # in the order they were made
        assert listed.next_cursor is None
        assert (await kh.iam.get_policy(name=name)).attachments == 2

        with pytest.raises(ConflictError) as caught:
            await kh.iam.delete_policy(name=name)
        assert caught.value.status == 409
        detail = str(caught.value.detail)
        assert f"khrn:role:{role}" in detail
        assert f"khrn:user:{user.name}" in detail
        assert (await kh.iam.get_policy(name=name)).attachments == 2  # nothing changed

        await kh.iam.detach_policy(name=name, principal_kind="role", principal_name=role)
        assert (await kh.iam.list_attachments(name=name)).data == [to_user]
        await kh.iam.detach_policy(name=name, principal_kind="user", principal_name=user.name)
        assert (await kh.iam.list_attachments(name=name)).data == []
        assert (await kh.iam.get_policy(name=name)).attachments == 0
        await kh.iam.delete_policy(name=name)

    akh(body)


def test_iam_deleting_a_principal_drops_its_attachments(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = (await kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT)).name
        role = (await kh.roles.create(name=unique("role"))).name
        await kh.iam.attach_policy(name=name, principal_name=role)
        with pytest.raises(ConflictError):
            await kh.iam.delete_policy(name=name)
        await kh.roles.delete(name=role)
        assert (await kh.iam.list_attachments(name=name)).data == []
        assert (await kh.iam.get_policy(name=name)).attachments == 0
        await kh.iam.delete_policy(name=name)

    akh(body)


def test_iam_attached_policies_are_in_force_at_once(
    akh: AsyncRunner, user_akh: AsyncRunner, user: Credentials
) -> None:
    project, name = unique("proj"), unique("policy")
    allow = policy_document("Allow", "projects:GetProject", f"khrn:project:{project}")
    deny = policy_document("Deny", "projects:GetProject", f"khrn:project:{project}", sid="Hidden")

    async def refused(kh: AsyncKeyhouse) -> str:
        with pytest.raises(PermissionDeniedError) as caught:
            await kh.projects.get(project=project)
        assert caught.value.project == project
        return str(caught.value.detail)

    async def seen(kh: AsyncKeyhouse) -> models.ProjectPublic:
        return await kh.projects.get(project=project)

    async def create_project(kh: AsyncKeyhouse) -> None:
        await kh.projects.create(name=project)  # the user is no member

    async def create_and_attach(kh: AsyncKeyhouse) -> None:
        await kh.iam.create_policy(name=name, document=allow)
        await kh.iam.attach_policy(name=name, principal_kind="user", principal_name=user.name)

    async def update(kh: AsyncKeyhouse, document: dict[str, Any]) -> int:
        return (await kh.iam.update_policy(name=name, document=document)).version

    async def detach(kh: AsyncKeyhouse) -> None:
        await kh.iam.detach_policy(name=name, principal_kind="user", principal_name=user.name)

    akh(create_project)
    assert "is not a collaborator" in user_akh(refused)
    akh(create_and_attach)
    project_seen = user_akh(seen)
    assert (project_seen.name, project_seen.my_role) == (project, None)

    assert akh(lambda kh: update(kh, deny)) == 2
    assert user_akh(refused) == (
        f"projects:GetProject on khrn:project:{project} is denied by policy "
        f"'{name}' (statement 'Hidden')"
    )
    assert akh(lambda kh: update(kh, allow)) == 3
    assert user_akh(seen).name == project
    akh(detach)
    assert "is not a collaborator" in user_akh(refused)


def test_iam_list_actions(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        catalog = await kh.iam.list_actions()  # any valid key reads it
        assert isinstance(catalog, models.ActionsPublic)
        assert all(isinstance(action, models.ActionPublic) for action in catalog.data)
        names = [action.name for action in catalog.data]
        assert names == sorted(set(names))
        scopes = {action.name: action.scope for action in catalog.data}
        assert scopes["secrets:GetSecretValue"] == "secrets"
        assert scopes["projects:AddMember"] == "project"
        assert scopes["iam:PassRole"] == "keys"  # part of making keys
        iam_only = {name for name in names if name.startswith("iam:") and name != "iam:PassRole"}
        assert {"iam:CreatePolicy", "iam:AttachPolicy", "iam:SimulatePolicy"} <= iam_only
        assert {scopes[name] for name in iam_only} == {"iam"}
        resources = {action.name: action.resource for action in catalog.data}
        assert resources["audit:ListEvents"] == "khrn:audit"

    user_akh(body)


def test_iam_managed_policies(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        listed = await kh.iam.list_managed_policies()  # any valid key reads them
        assert isinstance(listed, models.ManagedPoliciesPublic)
        assert [policy.name for policy in listed.data] == MANAGED_POLICIES
        assert all(isinstance(policy, models.ManagedPolicyPublic) for policy in listed.data)
        assert all(policy.arn == f"khrn:policy:{policy.name}" for policy in listed.data)
        by_name = {policy.name: policy for policy in listed.data}

        owner = await kh.iam.get_managed_policy(name="ProjectOwner")
        assert isinstance(owner, models.ManagedPolicyPublic)
        assert owner == by_name["keyhouse/ProjectOwner"]
        sids = {statement["Sid"] for statement in owner.document["Statement"]}
        assert {"ReadProject", "WriteSecrets", "ManageProject", "ManageMembers"} <= sids
        self_service = await kh.iam.get_managed_policy(name="SelfService")
        resources = {s["Sid"]: s["Resource"] for s in self_service.document["Statement"]}
        assert resources["OwnSecrets"] == "khrn:secret:${kind}/${name}/*"

    user_akh(body)


def test_iam_get_managed_policy_by_its_full_name(user_akh: AsyncRunner) -> None:
    # Documented: "by its short name (ProjectViewer) or full one"; the full name is
    # the one list_managed_policies gives, and it holds a slash.
    async def body(kh: AsyncKeyhouse) -> None:
        listed = {policy.name: policy for policy in (await kh.iam.list_managed_policies()).data}
        for name in MANAGED_POLICIES:
            assert await kh.iam.get_managed_policy(name=name) == listed[name]

    user_akh(body)


def test_iam_validate_policy(user_akh: AsyncRunner) -> None:
    # Any valid key may validate (no iam scope): plans call it to fail early.
    async def body(kh: AsyncKeyhouse) -> None:
        valid = await kh.iam.validate_policy(document=POLICY_DOCUMENT)
        assert isinstance(valid, models.ValidateResponse)
        assert (valid.valid, valid.errors, valid.warnings) == (True, [], [])

        unknown = await kh.iam.validate_policy(
            document={
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "secrets:GetSecretValue", "Resource": "*"},
                    {"Effect": "Allow", "Action": "secrets:GetSecrett", "Resource": "*"},
                ],
            }
        )
        assert unknown.valid is False
        assert len(unknown.errors) == 1
        assert isinstance(unknown.errors[0], models.Finding)
        assert unknown.errors[0].pointer == "/Statement/1/Action"
        assert "did you mean secrets:GetSecret?" in unknown.errors[0].message

        malformed = await kh.iam.validate_policy(document='{"Version": "2012-10-17",')
        assert malformed.valid is False
        assert [error.pointer for error in malformed.errors] == [""]  # the whole document
        assert malformed.errors[0].message.startswith("malformed JSON")

        loose = await kh.iam.validate_policy(
            document={
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "secrets:Get*Typo", "Resource": "*"}],
            }
        )
        assert (loose.valid, loose.errors) == (True, [])
        assert [warning.pointer for warning in loose.warnings] == ["/Statement/0/Action"]
        assert "matches no action" in loose.warnings[0].message

    user_akh(body)


def test_iam_simulate(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        admin = (await kh.keys.whoami()).principal.name
        role = (await kh.roles.create(name=unique("role"))).name
        name, project = unique("policy"), unique("proj")
        deny = policy_document(
            "Deny", "secrets:GetSecretValue", f"khrn:secret:project/{project}/*", sid="NoProject"
        )
        await kh.iam.create_policy(name=name, document=deny)
        await kh.iam.attach_policy(name=name, principal_name=role)
        self_service = f"keyhouse/SelfService(kind=role, name={role})"
        principal = models.PrincipalRef(kind="role", name=role)

        denied = await kh.iam.simulate(
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

        own = await kh.iam.simulate(
            principal=principal,
            action="secrets:GetSecretValue",
            resource=f"khrn:secret:role/{role}/x",
        )
        assert own.decision == "allowed"
        assert own.statements == [
            models.DecidingStatement(policy=self_service, sid="OwnSecrets", index=1, effect="Allow")
        ]

        as_admin = await kh.iam.simulate(
            principal=models.PrincipalRef(kind="user", name=admin),
            action="iam:DeletePolicy",
            resource=f"khrn:policy:{name}",
        )
        assert as_admin.decision == "allowed"
        assert as_admin.statements == [
            models.DecidingStatement(
                policy="keyhouse/AdminAccess", sid="Everything", index=0, effect="Allow"
            )
        ]

        # A project member's role policy takes part, filled in for that project.
        member_project = (await kh.projects.create(name=unique("proj"))).name
        await kh.projects.add_member(
            project=member_project, principal_kind="role", principal_name=role, role="viewer"
        )
        viewer = f"keyhouse/ProjectViewer(kind=role, name={role}, project={member_project})"
        reads = await kh.iam.simulate(
            principal=principal,
            action="secrets:GetSecretValue",
            resource=f"khrn:secret:project/{member_project}/token",
        )
        assert reads.decision == "allowed"
        assert reads.statements == [
            models.DecidingStatement(policy=viewer, sid="ReadSecrets", index=1, effect="Allow")
        ]
        assert reads.policies == [self_service, viewer, name]
        writes = await kh.iam.simulate(
            principal=principal,
            action="secrets:PutSecretValue",
            resource=f"khrn:secret:project/{member_project}/token",
        )
        assert (writes.decision, writes.statements) == ("implicit_deny", [])

        only_documents = await kh.iam.simulate(
            policies=[POLICY_DOCUMENT, deny],
            action="secrets:GetSecretValue",
            resource=f"khrn:secret:project/{project}/token",
            context={"keyhouse:SourceIp": "10.1.2.3"},
        )
        assert only_documents.policies == ["policies[0]", "policies[1]"]
        assert only_documents.decision == "explicit_deny"
        assert [(s.policy, s.sid) for s in only_documents.statements] == [
            ("policies[1]", "NoProject")
        ]

    akh(body)


# with_response.


def test_with_response_on_a_read(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        response = await kh.health.with_response.healthz()
        assert response.status_code == 200
        assert isinstance(response.parsed, models.Health)
        assert response.headers["content-type"].startswith("application/json")
        assert response.request_id is not None
        assert response.request_id == response.headers["x-request-id"]
        assert response.attempts == 1

        page = await kh.users.with_response.list(limit=1)
        assert page.status_code == 200
        assert isinstance(page.parsed, models.UsersPublic)
        assert page.request_id == page.headers["x-request-id"]
        assert page.request_id != response.request_id

    akh(body)


def test_with_response_on_a_create_and_a_delete(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        created = await kh.roles.with_response.create(name=unique("role"))
        assert created.status_code == 201
        assert isinstance(created.parsed, models.RolePublic)
        assert created.request_id == created.headers["x-request-id"]
        assert created.attempts == 1
        assert "idempotent-replayed" not in created.headers

        deleted = await kh.roles.with_response.delete(name=created.parsed.name)
        assert deleted.status_code == 204
        assert deleted.parsed is None
        assert deleted.request_id == deleted.headers["x-request-id"]

    akh(body)


def test_with_response_shows_an_idempotent_replay(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name, token = unique("client/replayed"), unique("idem")
        first = await kh.secrets.with_response.create(name=name, value="v", idempotency_key=token)
        second = await kh.secrets.with_response.create(name=name, value="v", idempotency_key=token)
        assert (first.status_code, second.status_code) == (201, 201)
        assert second.headers["idempotent-replayed"] == "true"
        assert second.parsed == first.parsed
        assert second.request_id != first.request_id
        listed = await kh.secrets.list(name_prefix=name)
        assert [secret.id for secret in listed.data] == [first.parsed.id]

    user_akh(body)


def test_iam_creates_replay_with_their_idempotency_key(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name, token = unique("policy"), unique("idem")
        first = await kh.iam.with_response.create_policy(
            name=name, document=POLICY_DOCUMENT, idempotency_key=token
        )
        again = await kh.iam.with_response.create_policy(
            name=name, document=POLICY_DOCUMENT, idempotency_key=token
        )
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers["idempotent-replayed"] == "true"
        assert again.parsed == first.parsed

        role, attach_token = (await kh.roles.create(name=unique("role"))).name, unique("idem")
        attached = await kh.iam.with_response.attach_policy(
            name=name, principal_name=role, idempotency_key=attach_token
        )
        replayed = await kh.iam.with_response.attach_policy(
            name=name, principal_name=role, idempotency_key=attach_token
        )
        assert (attached.status_code, replayed.status_code) == (201, 201)  # not a 409
        assert replayed.headers["idempotent-replayed"] == "true"
        assert replayed.parsed == attached.parsed
        assert (await kh.iam.get_policy(name=name)).attachments == 1

    akh(body)


def test_with_response_on_an_update(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        project = await kh.projects.create(name=unique("proj"))
        response = await kh.projects.with_response.update(project=project.name, description="d")
        assert response.status_code == 200
        assert isinstance(response.parsed, models.ProjectPublic)
        assert response.parsed.description == "d"
        assert response.request_id == response.headers["x-request-id"]

    user_akh(body)


def test_concurrent_calls_share_one_client(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        names = [unique("role") for _ in range(MANY)]
        created = await asyncio.gather(*(kh.roles.create(name=name) for name in names))
        assert [role.name for role in created] == names
        fetched = await asyncio.gather(*(kh.roles.get(name=name) for name in names))
        assert [role.id for role in fetched] == [role.id for role in created]

    akh(body)


# Iterators walk every page.


def test_api_keys_iter(user_akh: AsyncRunner, user: Credentials) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        made = {
            (await kh.api_keys.create(name=unique("key"), scopes=["job"])).id for _ in range(MANY)
        }
        items = [key async for key in kh.api_keys.iter(limit=PAGE)]
        assert all(isinstance(key, models.ApiKeyPublic) for key in items)
        seen = [key.id for key in items]
        assert len(seen) == len(set(seen)) == MANY + 1
        assert set(seen) == made | {user.key_id}

    user_akh(body)


def test_secrets_iter(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        prefix = unique("client/iter") + "/"
        made = {(await kh.secrets.create(name=f"{prefix}{i}", value="v")).id for i in range(MANY)}
        items = [item async for item in kh.secrets.iter(name_prefix=prefix, limit=PAGE)]
        assert all(isinstance(item, models.SecretPublic) for item in items)
        assert sorted(item.id for item in items) == sorted(made)

    user_akh(body)


def test_projects_iter(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        made = {(await kh.projects.create(name=unique("proj"))).name for _ in range(MANY)}
        items = [item async for item in kh.projects.iter(limit=PAGE)]
        assert all(isinstance(item, models.ProjectPublic) for item in items)
        assert [item.name for item in items] == sorted(made)

    user_akh(body)


def test_projects_iter_members(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        project = (await kh.projects.create(name=unique("proj"))).name
        made = {(await kh.users.create(name=unique("user"))).name for _ in range(MANY)}
        for name in made:
            await kh.projects.add_member(project=project, principal_name=name)
        items = [item async for item in kh.projects.iter_members(project=project, limit=PAGE)]
        assert all(isinstance(item, models.MemberPublic) for item in items)
        names = [item.principal_name for item in items]
        assert len(names) == len(set(names)) == MANY + 1
        assert set(names) == made | {(await kh.keys.whoami()).principal.name}

    akh(body)


def test_users_iter(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        made = {(await kh.users.create(name=unique("user"))).name for _ in range(MANY)}
        items = [item async for item in kh.users.iter(limit=PAGE)]
        assert all(isinstance(item, models.UserPublic) for item in items)
        names = [item.name for item in items]
        assert names == sorted(set(names))  # ordered by name, none twice
        assert made <= set(names)

    akh(body)


def test_roles_iter(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        made = {(await kh.roles.create(name=unique("role"))).name for _ in range(MANY)}
        items = [item async for item in kh.roles.iter(limit=PAGE)]
        assert all(isinstance(item, models.RolePublic) for item in items)
        names = [item.name for item in items]
        assert names == sorted(set(names))
        assert made <= set(names)

    akh(body)


def test_scopes_iter(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        made = {(await kh.scopes.create(name=unique("scope"))).name for _ in range(MANY)}
        items = [item async for item in kh.scopes.iter(limit=PAGE)]
        assert all(isinstance(item, models.ScopePublic) for item in items)
        names = [item.name for item in items]
        assert names == sorted(set(names))
        assert made | set(ALL_SCOPES) <= set(names)

    akh(body)


def test_iam_iter_policies(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> tuple[set[str], list[models.PolicyPublic]]:
        made = {
            (await kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT)).name
            for _ in range(MANY)
        }
        return made, [item async for item in kh.iam.iter_policies(limit=PAGE)]

    made, items = akh(body)
    assert all(isinstance(item, models.PolicyPublic) for item in items)
    names = [item.name for item in items]
    assert names == sorted(set(names))  # ordered by name, none twice
    assert made <= set(names)


def test_iam_iter_attachments(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> tuple[str, list[str], list[models.AttachmentPublic]]:
        name = (await kh.iam.create_policy(name=unique("policy"), document=POLICY_DOCUMENT)).name
        made = [(await kh.roles.create(name=unique("role"))).name for _ in range(MANY)]
        for role in made:
            await kh.iam.attach_policy(name=name, principal_name=role)
        return name, made, [item async for item in kh.iam.iter_attachments(name=name, limit=PAGE)]

    name, made, items = akh(body)
    assert all(isinstance(item, models.AttachmentPublic) for item in items)
    assert [item.principal_name for item in items] == made  # oldest first, none twice
    assert {item.policy for item in items} == {name}


def test_audit_iter(akh: AsyncRunner, user_akh: AsyncRunner, user: Credentials) -> None:
    targets = []
    names = [unique(f"client/audit{i}") for i in range(MANY)]

    async def create(kh: AsyncKeyhouse) -> None:
        for name in names:
            await kh.secrets.create(name=name, value="v")
            targets.append(f"khrn:secret:user/{user.name}/{name}")

    async def body(kh: AsyncKeyhouse) -> list[models.AuditEventPublic]:
        return [
            item
            async for item in kh.audit.iter(
                principal=user.name, action="secrets:CreateSecret", limit=PAGE
            )
        ]

    user_akh(create)
    items = akh(body)
    assert all(isinstance(item, models.AuditEventPublic) for item in items)
    assert [item.target for item in items] == targets[::-1]  # newest first


# NOT_GIVEN leaves a field out; None sends null and clears it.


def test_project_description_left_out_or_cleared(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("proj")
        await kh.projects.create(name=name, description="kept")
        assert (await kh.projects.update(project=name)).description == "kept"
        assert (await kh.projects.update(project=name, description=None)).description is None
        assert (await kh.projects.get(project=name)).description is None

    user_akh(body)


def test_role_description_left_out_or_cleared(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("role")
        await kh.roles.create(name=name, description="kept")
        assert (await kh.roles.update(name=name)).description == "kept"
        assert (await kh.roles.update(name=name, description=None)).description is None
        assert (await kh.roles.get(name=name)).description is None

    akh(body)


def test_secret_description_left_out_or_cleared(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        secret = await kh.secrets.create(name=unique("client/d"), value="v", description="kept")
        assert (await kh.secrets.update(secret_id=secret.id)).description == "kept"
        cleared = await kh.secrets.update(secret_id=secret.id, description=None)
        assert cleared.description is None
        assert (await kh.secrets.get(secret_id=secret.id)).description is None

    user_akh(body)


def test_user_email_left_out_or_cleared(akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("user")
        await kh.users.create(name=name, email="kept@example.com")
        assert (await kh.users.update(name=name, is_admin=False)).email == "kept@example.com"
        assert (await kh.users.update(name=name, email=None)).email is None
        assert (await kh.users.get(name=name)).email is None

    akh(body)


def test_api_key_fields_left_out_are_kept(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        name = unique("key")
        key = await kh.api_keys.create(name=name, scopes=["job", "kafka"])
        assert (await kh.api_keys.update(key_id=key.id, scopes=["job"])).name == name
        renamed = await kh.api_keys.update(key_id=key.id, name=unique("key"))
        assert renamed.scopes == ["job"]
        unchanged = await kh.api_keys.update(key_id=key.id, name=None, scopes=None)
        assert unchanged.scopes == ["job"]

    user_akh(body)


def test_explicit_none_filters_mean_no_filter(user_akh: AsyncRunner) -> None:
    # A query string cannot say null: None must leave the parameter out, as NOT_GIVEN does.
    async def body(kh: AsyncKeyhouse) -> None:
        await kh.secrets.create(name=unique("client/q"), value="v")
        every_key = [key.id for key in (await kh.api_keys.list()).data]
        none_given = await kh.api_keys.list(name=None, status=None)
        assert [key.id for key in none_given.data] == every_key
        every_secret = [secret.id for secret in (await kh.secrets.list()).data]
        no_filter = await kh.secrets.list(project=None, visibility=None, name_prefix=None)
        assert [secret.id for secret in no_filter.data] == every_secret

    user_akh(body)


def test_explicit_none_cursor_is_the_first_page(user_akh: AsyncRunner) -> None:
    async def body(kh: AsyncKeyhouse) -> None:
        for _ in range(2):
            await kh.projects.create(name=unique("proj"))
        first = await kh.projects.list(limit=1)
        assert first.next_cursor is not None
        assert await kh.projects.list(limit=1, cursor=None) == first

    user_akh(body)
