"""``keyhouse policies``: IAM policies — create, validate, attach, simulate, and the rest."""

from __future__ import annotations

from typing import Annotated

import typer

from keyhouse_cli.commands._shared import (
    Limit,
    Yes,
    confirm_and_run,
    given,
    json_document,
    list_all,
    principal,
)
from keyhouse_cli.errors import REFUSED, CliError
from keyhouse_cli.output import (
    Column,
    Format,
    Output,
    column,
    dump,
    out,
    say,
    show,
    show_list,
)
from keyhouse_cli.session import connect
from keyhouse_client import models

app = typer.Typer(
    help="IAM policies: create, update, validate, attach, detach, simulate, list, show, delete."
)

COLUMNS = [
    column("name", "name"),
    column("version", "version"),
    column("attachments", "attachments"),
    column("description", "description"),
    column("updated", "updated_at"),
]
ATTACHMENT_COLUMNS = [
    Column("principal", lambda a: f"{a.principal_kind}/{a.principal_name}"),
    column("since", "created_at"),
]
FINDING_COLUMNS = [column("at", "pointer"), column("message", "message")]
STATEMENT_COLUMNS = [
    column("policy", "policy"),
    column("sid", "sid"),
    column("statement", "index"),
    column("effect", "effect"),
]
Name = Annotated[str, typer.Argument(help="The policy's name.")]
DocumentFile = Annotated[
    str, typer.Option("--file", "-f", help="The policy document (JSON); '-' for stdin.")
]
Member = Annotated[str, typer.Argument(help="user/<name> or role/<name> (a bare name is a user).")]


@app.command()
def create(
    name: Name,
    file: DocumentFile,
    description: Annotated[str | None, typer.Option(help="What the policy grants.")] = None,
    output: Output = Format.TABLE,
) -> None:
    """Create a policy from a JSON document ({"Version": ..., "Statement": [...]})."""
    document = json_document(file, "--file")
    with connect() as kh:
        policy = kh.iam.create_policy(
            name=name,
            document=document,
            description=given(description),
        )
    say(f"Created policy {policy.name} ({policy.arn}), version {policy.version}.")
    show(policy, output)


@app.command()
def update(
    name: Name,
    file: Annotated[
        str | None, typer.Option("--file", "-f", help="A new document; '-' for stdin.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="A new description.")] = None,
    output: Output = Format.TABLE,
) -> None:
    """Give a policy a new document (a new version) or description."""
    if file is None and description is None:
        raise CliError("nothing to change: give --file, --description or both")
    with connect() as kh:
        policy = kh.iam.update_policy(
            policy=name,
            document=given(json_document(file, "--file") if file is not None else None),
            description=given(description),
        )
    say(f"Policy {policy.name} is at version {policy.version}.")
    show(policy, output)


@app.command()
def validate(
    file: Annotated[str, typer.Argument(help="The document (JSON); '-' for stdin.")],
    output: Output = Format.TABLE,
) -> None:
    """Check a policy document: errors and warnings located by JSON pointer. Exit 1 if invalid."""
    document = json_document(file, "FILE")
    with connect() as kh:
        answer = kh.iam.validate_policy(document=document)
    if output is Format.JSON:
        show(answer, output)
    else:
        if answer.errors:
            show_list(answer.errors, output, FINDING_COLUMNS, empty="")
        if answer.warnings:
            say("[yellow]Warnings:[/]")
            show_list(answer.warnings, output, FINDING_COLUMNS, empty="")
        say("Valid." if answer.valid else f"Invalid: {len(answer.errors)} error(s).")
    if not answer.valid:
        raise typer.Exit(REFUSED)


@app.command()
def attach(policy: Name, member: Member, output: Output = Format.TABLE) -> None:
    """Attach a policy to a user or a role."""
    kind, name = principal(member, "MEMBER")
    with connect() as kh:
        attached = kh.iam.attach_policy(policy=policy, principal_kind=kind, principal_name=name)
    say(f"Attached {policy} to {kind}/{name}.")
    show(attached, output)


@app.command()
def detach(policy: Name, member: Member, yes: Yes = False) -> None:
    """Detach a policy from a user or a role."""
    kind, name = principal(member, "MEMBER")
    confirm_and_run(
        f"Detach {policy} from {kind}/{name}?",
        yes,
        lambda kh: kh.iam.detach_policy(policy=policy, principal_kind=kind, principal_name=name),
        f"Detached {policy} from {kind}/{name}.",
    )


@app.command()
def attachments(policy: Name, output: Output = Format.TABLE) -> None:
    """Who a policy is attached to."""
    list_all(
        lambda kh, page: kh.iam.iter_attachments(policy=policy, limit=page),
        "Listing attachments",
        None,
        output,
        ATTACHMENT_COLUMNS,
        f"{policy} is attached to nobody.",
    )


def _context(pairs: list[str]) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise CliError(f"--context: '{pair}' is not KEY=VALUE (keyhouse:SourceIp=10.0.0.1)")
        previous = context.get(key)
        if previous is None:
            context[key] = value
        else:  # a key given twice holds a list
            context[key] = [*([previous] if isinstance(previous, str) else previous), value]
    return context


@app.command()
def simulate(
    action: Annotated[str, typer.Option(help="The action, e.g. secrets:GetSecretValue.")],
    resource: Annotated[str, typer.Option(help="The resource's khrn.")],
    member: Annotated[
        str | None,
        typer.Option("--principal", help="Evaluate what user/<name> or role/<name> holds."),
    ] = None,
    policy_file: Annotated[
        list[str] | None,
        typer.Option("--policy-file", help="A further document to evaluate (repeatable)."),
    ] = None,
    context: Annotated[
        list[str] | None,
        typer.Option(help="A condition key, KEY=VALUE (repeatable), e.g. keyhouse:SourceIp=..."),
    ] = None,
    output: Output = Format.TABLE,
) -> None:
    """Ask the policy engine: would this be allowed, and which statements decide it?"""
    if member is None and not policy_file:
        raise CliError("give --principal, --policy-file or both")
    who = None
    if member is not None:
        kind, name = principal(member, "--principal")
        who = models.PrincipalRef(kind=kind, name=name)
    documents = [json_document(path, "--policy-file") for path in policy_file or []]
    with connect() as kh:
        answer = kh.iam.simulate(
            action=action,
            resource=resource,
            principal=given(who),
            policies=documents,
            context=_context(context or []),
        )
    if output is Format.JSON:
        show(answer, output)
        return
    colour = "green" if answer.decision == "allowed" else "red"
    out.print(f"[{colour}]{answer.decision}[/]: {action} on {resource}")
    show_list(
        answer.statements,
        output,
        STATEMENT_COLUMNS,
        empty="No statement matched: nothing allows it (implicit deny).",
    )
    say(f"Evaluated: {', '.join(answer.policies) or 'no policy'}")


@app.command("list")
def list_(
    limit: Limit = None,
    output: Output = Format.TABLE,
) -> None:
    """List customer policies."""
    list_all(
        lambda kh, page: kh.iam.iter_policies(limit=page),
        "Listing policies",
        limit,
        output,
        COLUMNS,
        "No policies.",
    )


@app.command("show")
def show_(name: Name, output: Output = Format.TABLE) -> None:
    """One policy; with --output json, its document as stored."""
    with connect() as kh:
        policy = kh.iam.get_policy(policy=name)
    if output is Format.JSON:
        show(policy, output)
        return
    show(policy.model_copy(update={"document": {}}), output)
    out.print_json(data=dump(policy)["document"])


@app.command()
def delete(name: Name, yes: Yes = False) -> None:
    """Delete a policy (refused while it is attached: the error names the holders)."""
    confirm_and_run(
        f"Delete policy {name}?",
        yes,
        lambda kh: kh.iam.delete_policy(policy=name),
        f"Deleted policy {name}.",
    )
