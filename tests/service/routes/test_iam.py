"""IAM over HTTP: seed 000 least privilege, PassRole, Deny over membership, prompt changes."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.actors import (
    Actor,
    add_member,
    create_key,
    expect,
    make_role,
    make_user,
    unique,
)
from tests.support.keyhouse_server import KeyhouseServer

POLICIES = "/api/v1/iam/policies"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def new_policy(admin: httpx.Client, *statements: dict[str, Any]) -> str:
    name = unique("policy")
    created = expect(
        admin.post(POLICIES, json={"name": name, "document": document(*statements)}), 201
    )
    assert created["arn"] == f"khrn:policy:{name}"
    assert created["version"] == 1
    return name


def attach(admin: httpx.Client, policy: str, actor: Actor) -> None:
    body = {"principal_kind": actor.kind, "principal_name": actor.name}
    expect(admin.post(f"{POLICIES}/{policy}/attachments", json=body), 201)


def new_project(admin: httpx.Client) -> str:
    name = unique("proj")
    expect(admin.post("/api/v1/projects", json={"name": name}), 201)
    return name


def new_secret(http: httpx.Client, project: str, name: str, value: str) -> dict[str, Any]:
    body = {"name": name, "value": value, "visibility": "project", "project": project}
    created: dict[str, Any] = expect(http.post("/api/v1/secrets", json=body), 201)
    return created


def by_name(http: httpx.Client | Actor, project: str, name: str) -> httpx.Response:
    return http.get("/api/v1/secrets/by-name", params={"name": name, "project": project})


def test_seed_000_a_cluster_role_reads_exactly_its_secret(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    project = new_project(admin)
    role = unique("dbx")
    expect(admin.post("/api/v1/roles", json={"name": role}), 201)
    cluster = create_key(
        admin,
        service.url,
        owner_kind="role",
        owner_name=role,
        scopes=["featurestore", "project", "job", "kafka"],
        project=project,
    )
    token_name = f"hopsworks/role/{role}/type/api-key"
    token = new_secret(admin, project, token_name, cluster.key)
    neighbour = new_secret(admin, project, "hopsworks/role/other/type/api-key", "not yours")
    elsewhere_project = new_project(admin)
    elsewhere = new_secret(admin, elsewhere_project, "shared/db-password", "nor this")
    # Before any policy, the role reads nothing.
    assert expect(by_name(cluster, project, token_name), 403)["project"] == project
    policy = new_policy(
        admin,
        {
            "Sid": "ReadClusterToken",
            "Effect": "Allow",
            "Action": ["secrets:GetSecret", "secrets:GetSecretValue"],
            "Resource": token["arn"],
        },
    )
    attach(admin, policy, cluster)
    found = expect(by_name(cluster, project, token_name), 200)
    value = expect(cluster.get(f"/api/v1/secrets/{found['id']}/value"), 200)["value"]
    assert value == cluster.key  # the stored key is the key the cluster uses
    # Every other secret is refused, in the same project and elsewhere.
    assert expect(by_name(cluster, project, neighbour["name"]), 403)["project"] == project
    expect(by_name(cluster, elsewhere_project, elsewhere["name"]), 403)
    for other in (neighbour, elsewhere):
        refused = cluster.get(f"/api/v1/secrets/{other['id']}/value")
        assert refused.status_code in (403, 404), refused.status_code
    # It cannot write its own secret either: only reading was granted.
    assert expect(cluster.put(f"/api/v1/secrets/{token['id']}/value", json={"value": "x"}), 403)


def test_keys_for_a_role_need_pass_role(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    role, other_role = unique("svc"), unique("svc")
    for name in (role, other_role):
        expect(admin.post("/api/v1/roles", json={"name": name}), 201)
    body = {"name": unique("k"), "owner_role": role, "scopes": ["job"]}
    problem = expect(user.post("/api/v1/api-keys", json=body), 403)
    assert "iam:PassRole" in problem["detail"]
    policy = new_policy(
        admin, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"khrn:role:{role}"}
    )
    attach(admin, policy, user)
    created = expect(user.post("/api/v1/api-keys", json=body), 201)
    assert created["owner"] == {"kind": "role", "name": role}
    other = {"name": unique("k"), "owner_role": other_role, "scopes": ["job"]}
    expect(user.post("/api/v1/api-keys", json=other), 403)


def test_an_explicit_deny_overrides_membership_and_lifts_on_detach(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    project = new_project(admin)
    add_member(admin, project, user, "member")
    sensitive = new_secret(admin, project, "payroll/key", "s")
    ordinary = new_secret(admin, project, "build/token", "t")
    expect(user.get(f"/api/v1/secrets/{sensitive['id']}/value"), 200)
    policy = new_policy(
        admin,
        {
            "Sid": "NotPayroll",
            "Effect": "Deny",
            "Action": "secrets:GetSecretValue",
            "Resource": f"khrn:secret:project/{project}/payroll/*",
        },
    )
    attach(admin, policy, user)
    problem = expect(user.get(f"/api/v1/secrets/{sensitive['id']}/value"), 403)
    assert "NotPayroll" in problem["detail"]
    assert problem["project"] == project
    expect(user.get(f"/api/v1/secrets/{ordinary['id']}/value"), 200)
    expect(admin.delete(f"{POLICIES}/{policy}/attachments/user/{user.name}"), 204)
    expect(user.get(f"/api/v1/secrets/{sensitive['id']}/value"), 200)


def test_a_new_policy_version_takes_effect_on_the_next_request(
    service: KeyhouseServer, admin: httpx.Client, user: Actor
) -> None:
    role = make_role(admin, service.url, scopes=["keys"])
    allow = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"khrn:role:{role.name}"}
    policy = new_policy(admin, allow)
    attach(admin, policy, user)
    body = {"owner_role": role.name, "scopes": ["keys"]}
    expect(user.post("/api/v1/api-keys", json={**body, "name": unique("k")}), 201)
    nothing = {**allow, "Resource": "khrn:role:nobody"}
    updated = expect(admin.patch(f"{POLICIES}/{policy}", json={"document": document(nothing)}), 200)
    assert updated["version"] == 2
    expect(user.post("/api/v1/api-keys", json={**body, "name": unique("k")}), 403)
    # The same document again is not a new version.
    again = expect(admin.patch(f"{POLICIES}/{policy}", json={"document": document(nothing)}), 200)
    assert again["version"] == 2


def test_membership_changes_take_effect_on_the_next_request(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    project = new_project(admin)
    member = make_user(admin, service.url)
    add_member(admin, project, member, "viewer")
    secret = new_secret(admin, project, "a/b", "v")
    expect(member.get(f"/api/v1/secrets/{secret['id']}/value"), 200)  # decision now cached
    expect(admin.delete(f"/api/v1/projects/{project}/members/user/{member.name}"), 204)
    refused = member.get(f"/api/v1/secrets/{secret['id']}/value")
    assert refused.status_code in (403, 404)


def test_a_policy_is_not_deleted_while_attached(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    role = make_role(admin, service.url)
    policy = new_policy(admin, {"Effect": "Allow", "Action": "keys:ListKeys", "Resource": "*"})
    attach(admin, policy, role)
    problem = expect(admin.delete(f"{POLICIES}/{policy}"), 409)
    assert f"role:{role.name}" in problem["detail"]
    assert expect(admin.get(f"{POLICIES}/{policy}"), 200)["attachments"] == 1
    expect(admin.delete(f"{POLICIES}/{policy}/attachments/role/{role.name}"), 204)
    expect(admin.delete(f"{POLICIES}/{policy}"), 204)
    expect(admin.get(f"{POLICIES}/{policy}"), 404)


def test_the_policy_list_counts_each_policys_attachments(
    service: KeyhouseServer, admin: httpx.Client
) -> None:
    statement = {"Effect": "Allow", "Action": "keys:ListKeys", "Resource": "*"}
    twice, never = new_policy(admin, statement), new_policy(admin, statement)
    for _ in range(2):
        attach(admin, twice, make_role(admin, service.url))
    listed: dict[str, Any] = {}
    params: dict[str, Any] = {"limit": 200}
    while True:
        page = expect(admin.get(POLICIES, params=params), 200)
        listed |= {p["name"]: p for p in page["data"]}
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert (listed[twice]["attachments"], listed[never]["attachments"]) == (2, 0)


def test_invalid_documents_are_refused_with_pointers(admin: httpx.Client) -> None:
    bad = document({"Effect": "Allow", "Action": "secrets:GetSecretValu", "Resource": "khrn:x"})
    problem = expect(admin.post(POLICIES, json={"name": unique("bad"), "document": bad}), 422)
    pointers = {e["pointer"] for e in problem["errors"]}
    assert "/body/document/Statement/0/Action" in pointers
    assert "/body/document/Statement/0/Resource" in pointers
    report = expect(admin.post(f"{POLICIES}:validate", json={"document": bad}), 200)
    assert report["valid"] is False
    assert any("did you mean secrets:GetSecretValue" in e["message"] for e in report["errors"])
    text = expect(admin.post(f"{POLICIES}:validate", json={"document": "{oops"}), 200)
    assert text["errors"][0]["message"].startswith("malformed JSON")


def test_validation_needs_only_a_valid_key(user: Actor) -> None:
    fine = document({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    report = expect(user.post(f"{POLICIES}:validate", json={"document": fine}), 200)
    assert report["valid"] is True
    assert report["warnings"][0]["pointer"] == "/Statement/0"


def test_validation_answers_an_adversarial_pattern(user: Actor) -> None:
    # A backtracking matcher took seconds on this, doubling per star.
    for action in ("*:" + "*" * 40 + "X", "s*e*c*r*e*t*s*:*G*e*t*" * 5 + "X"):
        adversarial = document({"Effect": "Allow", "Action": action, "Resource": "*"})
        report = expect(user.post(f"{POLICIES}:validate", json={"document": adversarial}), 200)
        assert report["valid"] is True
        assert report["warnings"][0]["message"] == "matches no action of the catalog"


def test_a_document_beyond_a_limit_is_a_422_naming_it(user: Actor, admin: httpx.Client) -> None:
    statements = [{"Effect": "Allow", "Action": "keys:ListKeys", "Resource": "*"}] * 101
    crowded = {"Version": "2012-10-17", "Statement": statements}
    for http, path, body in (
        (user, f"{POLICIES}:validate", {"document": crowded}),
        (admin, POLICIES, {"name": unique("crowded"), "document": crowded}),
        (
            admin,
            "/api/v1/iam:simulate",
            {"policies": [crowded], "action": "keys:ListKeys", "resource": "*"},
        ),
    ):
        problem = expect(http.post(path, json=body), 422)
        pointer = "/body/policies/0/Statement" if "simulate" in path else "/body/document/Statement"
        assert [e["pointer"] for e in problem["errors"]] == [pointer]
        assert "at most 100" in problem["detail"]
    huge = {"Version": "2012-10-17", "Statement": [{"Sid": "x" * 20_000}]}
    problem = expect(user.post(f"{POLICIES}:validate", json={"document": huge}), 422)
    assert "at most 16384" in problem["errors"][0]["detail"]


def test_simulate_explains_the_decision(service: KeyhouseServer, admin: httpx.Client) -> None:
    role = make_role(admin, service.url)
    policy = new_policy(
        admin,
        {"Sid": "Read", "Effect": "Allow", "Action": "secrets:GetSecret*", "Resource": "*"},
        {
            "Sid": "NotHr",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "khrn:secret:project/hr/*",
        },
    )
    attach(admin, policy, role)
    principal = {"kind": "role", "name": role.name}

    def simulate(resource: str, action: str = "secrets:GetSecretValue") -> dict[str, Any]:
        body = {"principal": principal, "action": action, "resource": resource}
        answer: dict[str, Any] = expect(admin.post("/api/v1/iam:simulate", json=body), 200)
        return answer

    allowed = simulate("khrn:secret:project/fs/x")
    assert allowed["decision"] == "allowed"
    assert [s["sid"] for s in allowed["statements"]] == ["Read"]
    denied = simulate("khrn:secret:project/hr/pay")
    assert denied["decision"] == "explicit_deny"
    assert denied["statements"][0]["policy"] == policy
    assert simulate("khrn:role:x", "iam:PassRole")["decision"] == "implicit_deny"
    assert f"keyhouse/SelfService(kind=role, name={role.name})" in allowed["policies"]


def test_the_catalog_and_managed_policies_are_published(user: Actor) -> None:
    names = {a["name"] for a in expect(user.get("/api/v1/iam/actions"), 200)["data"]}
    assert {
        "secrets:GetSecretValue",
        "keys:CreateKey",
        "iam:PassRole",
        "projects:AddMember",
    } <= names
    managed = {m["name"] for m in expect(user.get("/api/v1/iam/managed-policies"), 200)["data"]}
    assert {"keyhouse/AdminAccess", "keyhouse/ProjectViewer", "keyhouse/ProjectOwner"} <= managed
    viewer = expect(user.get("/api/v1/iam/managed-policies/ProjectViewer"), 200)
    assert viewer["arn"] == "khrn:policy:keyhouse/ProjectViewer"
    # Managed policies are not editable: they are not customer policies at all.
    expect(user.get(f"{POLICIES}/AdminAccess"), 403)


def test_every_object_carries_its_arn(service: KeyhouseServer, admin: httpx.Client) -> None:
    project = new_project(admin)
    secret = new_secret(admin, project, "x/y", "v")
    assert secret["arn"] == f"khrn:secret:project/{project}/x/y"
    role = unique("r")
    assert (
        expect(admin.post("/api/v1/roles", json={"name": role}), 201)["arn"] == f"khrn:role:{role}"
    )
    user = unique("u")
    assert (
        expect(admin.post("/api/v1/users", json={"name": user}), 201)["arn"] == f"khrn:user:{user}"
    )
    assert expect(admin.get(f"/api/v1/projects/{project}"), 200)["arn"] == f"khrn:project:{project}"
    me = expect(admin.get("/api/v1/whoami"), 200)
    key = expect(admin.get(f"/api/v1/api-keys/{me['key']['id']}"), 200)
    assert key["arn"] == f"khrn:apikey:{me['key']['id']}"
    private = expect(admin.post("/api/v1/secrets", json={"name": unique("p"), "value": "v"}), 201)
    assert private["arn"] == f"khrn:secret:user/admin/{private['name']}"
