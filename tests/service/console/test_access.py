"""The Access page: policies, validation pointed at the line, attachments, "why can X do Y?"."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from keyhouse_client import Keyhouse
from tests.service.console.conftest import Console
from tests.support.actors import unique
from tests.support.keyhouse_server import KeyhouseServer


def test_a_policy_is_validated_at_the_line_created_attached_and_explained(
    console: Console, sqlite_service: KeyhouseServer, admin_kh: Keyhouse
) -> None:
    # GIVEN a role and a project secret (seed 000), and the admin signed in
    role = admin_kh.roles.create(name=unique("reporting")).name
    project = admin_kh.projects.create(name=unique("analytics")).name
    secret = admin_kh.secrets.create(
        name="db/password", value="pw", visibility="project", project=project
    )
    console.sign_in(sqlite_service.admin_key)
    page = console.page
    name = unique("read-db")
    page.goto(console.url("/access"))
    console.assert_labelled()

    # WHEN the document has a wrong Effect THEN the finding points at its line
    statement: dict[str, str] = {
        "Sid": "Read",
        "Effect": "Alow",
        "Action": "secrets:GetSecretValue",
        "Resource": secret.arn,
    }
    bad = {
        "Version": "2012-10-17",
        "Statement": [statement],
    }
    page.get_by_label("Policy name").fill(name)
    page.get_by_label("Document (JSON)").fill(json.dumps(bad, indent=2))
    page.get_by_role("button", name="Create policy").click()
    errors = page.locator("#document-errors")
    expect(errors).to_contain_text("line 6 (/Statement/0/Effect)")
    expect(page.locator(".lines div.bad")).to_contain_text('"Effect": "Alow"')
    assert [p.name for p in admin_kh.iam.list_policies().data if p.name == name] == []

    # WHEN it is fixed THEN the policy exists
    statement["Effect"] = "Allow"
    page.get_by_label("Document (JSON)").fill(json.dumps(bad))
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("status")).to_contain_text(f"Policy “{name}” created")
    assert admin_kh.iam.get_policy(policy=name).version == 1

    # WHEN it is attached to the role THEN the service lists that attachment
    page.get_by_label("Name", exact=True).fill(role)
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_role("status")).to_contain_text(f"Attached to role/{role}")
    attached = admin_kh.iam.list_attachments(policy=name).data
    assert [(a.principal_kind, a.principal_name) for a in attached] == [("role", role)]

    # WHEN the admin asks why the role can read the secret THEN the statement is named
    page.goto(console.url("/access"))
    page.get_by_label("Principal kind").select_option("role")
    page.get_by_label("Principal name").fill(role)
    page.get_by_label("Action").fill("secrets:GetSecretValue")
    page.get_by_label("Resource").fill(secret.arn)
    page.get_by_role("button", name="Ask").click()
    result = page.locator("#simulate-result")
    expect(result).to_contain_text("may perform secrets:GetSecretValue")
    expect(result).to_contain_text(f"Allow in policy “{name}”, statement Read")

    # AND for another secret of the project, no policy allows it
    page.get_by_label("Resource").fill(f"khrn:secret:project/{project}/other")
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("#simulate-result")).to_contain_text("no policy allows it")

    # WHEN the admin detaches it THEN no one holds it
    page.goto(console.url(f"/access/policies/{name}"))
    page.get_by_role("button", name=f"Detach from role/{role}").click()
    expect(page.get_by_role("status")).to_contain_text("Detached")
    assert admin_kh.iam.list_attachments(policy=name).data == []
