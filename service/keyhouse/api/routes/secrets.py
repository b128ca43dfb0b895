"""``/api/v1/secrets``: encrypted secrets, private or shared with a project."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.convertors import StringConvertor, register_url_convertor

from keyhouse.api.deps import (
    CurrentCaller,
    IdempotencyKey,
    ReadSessionDep,
    SessionDep,
    StateDep,
)
from keyhouse.api.docs import IDEMPOTENT
from keyhouse.api.json_body import StrictJSONRoute
from keyhouse.core.problems import problem_responses
from keyhouse.core.state import AppState
from keyhouse.domain import audit, idempotency
from keyhouse.domain import secrets as secrets_domain
from keyhouse.domain.access import authorize, find_project, require_scope
from keyhouse.domain.auth import Caller
from keyhouse.domain.pagination import DEFAULT_LIMIT, paginate
from keyhouse.domain.resource_names import project_rn, secret_rn
from keyhouse.models import Secret, utcnow
from keyhouse.schemas.common import Cursor, Identifier, Limit, SecretName
from keyhouse.schemas.secrets import (
    SecretCreate,
    SecretPublic,
    SecretsPublic,
    SecretUpdate,
    SecretValue,
    SecretValueUpdate,
    Visibility,
)

router = APIRouter(
    route_class=StrictJSONRoute,
    prefix="/api/v1/secrets",
    tags=["secrets"],
    responses=problem_responses(401, 403, 422),
)


class _SecretIdSegment(StringConvertor):
    """A path segment that can be a secret id: any but ``by-name``.

    So ``/secrets/by-name`` is only ever the by-name route, and a method it does
    not have (PATCH, DELETE) is a 405 listing the ones it has, not a 422 about
    an id.
    """

    regex = r"(?!by-name(?:/|$))[^/]+"


register_url_convertor("secret_id", _SecretIdSegment())
BY_ID = "/{secret_id:secret_id}"
SecretId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The secret's id.")]
IF_MATCH_PATTERN = r'^[ \t]*(?:\*|"[0-9]*[1-9][0-9]*"|[0-9]*[1-9][0-9]*)[ \t]*$'


def _if_match_schema(schema: dict[str, Any]) -> None:
    # A header is absent or a string: "null" is no If-Match, so null is not published
    # (a client sending it would get the 400 of a malformed one).
    schema.pop("anyOf", None)
    schema.update(type="string", pattern=IF_MATCH_PATTERN)


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='Compare-and-set: the version the change expects, as sent in ETag ("3"); '
        "a secret at another version is left unchanged (412 naming the current version). "
        "'*' asks only that the secret exists. Another form, or a version other than "
        "expected_version when both are sent, is a 400.",
        # Documented here, checked by domain.secrets.expected_version (a 400).
        json_schema_extra=_if_match_schema,
    ),
]


@router.post(
    "", status_code=201, response_model=SecretPublic, responses=problem_responses(400, 404, 409)
)
def create(
    body: SecretCreate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Create a secret. Its value is encrypted at rest and never appears in lists."""

    def produce() -> idempotency.Created:
        secret = secrets_domain.create_secret(session, state.envelope, caller, body, utcnow())
        return idempotency.Created(secrets_domain.to_public(secret), secret_rn(secret))

    return idempotency.run_create(
        state,
        session,
        caller,
        idempotency_key,
        "POST /api/v1/secrets",
        body,
        "secrets:CreateSecret",
        produce,
    )


@router.get("", response_model=SecretsPublic, responses=problem_responses(404))
def list_(
    caller: CurrentCaller,
    session: ReadSessionDep,
    project: Annotated[Identifier | None, Query(description="Only this project's secrets.")] = None,
    visibility: Annotated[
        Visibility | None, Query(description="Only private, or only project, secrets.")
    ] = None,
    name_prefix: Annotated[
        str | None, Query(max_length=256, description="Only secrets whose name starts so.")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> SecretsPublic:
    """List the secrets the caller may read: metadata only, never values."""
    if project is not None:
        require_scope(caller, "secrets:ListSecrets", project_rn(project))
        found = find_project(session, project)
        authorize(session, caller, "secrets:ListSecrets", project_rn(project), project=found)
    else:
        authorize(session, caller, "secrets:ListSecrets", "khrn:secret:*")
    ways = secrets_domain.ways_to_see(session, caller)
    statement = secrets_domain.visible_to(ways)
    if project is not None:
        statement = statement.where(Secret.project_id == found.id)
    if visibility is not None:
        statement = statement.where(Secret.visibility == visibility)
    if name_prefix is not None:
        statement = statement.where(Secret.name.startswith(name_prefix, autoescape=True))
    rows, next_cursor = paginate(
        session,
        "secrets",
        statement,
        [Secret.created_at, Secret.id],
        limit,
        cursor,
        lambda s: (s.created_at, s.id),
        branches=ways,
    )
    shown = secrets_domain.readable(session, caller, rows)
    return SecretsPublic(data=[secrets_domain.to_public(s) for s in shown], next_cursor=next_cursor)


@router.get("/by-name", response_model=SecretPublic, responses=problem_responses(404))
def get_by_name(
    caller: CurrentCaller,
    session: ReadSessionDep,
    name: Annotated[SecretName, Query(description="The secret's name.")],
    project: Annotated[
        Identifier | None, Query(description="The project of a shared secret; omit for private.")
    ] = None,
) -> SecretPublic:
    """Find a secret by name: the caller's private one, or a project's."""
    return secrets_domain.to_public(secrets_domain.find_by_name(session, caller, name, project))


@router.get("/by-name/value", response_model=SecretValue, responses=problem_responses(404))
def get_value_by_name(
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    response: Response,
    name: Annotated[SecretName, Query(description="The secret's name.")],
    project: Annotated[
        Identifier | None, Query(description="The project of a shared secret; omit for private.")
    ] = None,
) -> SecretValue:
    """Read a secret's value by name in one call (for files, the base64 string). Audited.

    Needs only secrets:GetSecretValue on the secret, as a policy may grant it to a
    role that is no member of the project. ``ETag`` carries the version read.
    """
    secret = secrets_domain.find_by_name(session, caller, name, project, "secrets:GetSecretValue")
    return _reveal(session, state, caller, secret, response)


@router.get(BY_ID, response_model=SecretPublic, responses=problem_responses(404))
def get(
    secret_id: SecretId, caller: CurrentCaller, session: ReadSessionDep, response: Response
) -> SecretPublic:
    """A secret's metadata; ``ETag`` carries its version, for ``If-Match``."""
    secret = secrets_domain.accessible(session, caller, secret_id, "secrets:GetSecret")
    response.headers["ETag"] = secrets_domain.etag(secret.version)
    return secrets_domain.to_public(secret)


@router.patch(
    BY_ID,
    response_model=SecretPublic,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def update(
    secret_id: SecretId, body: SecretUpdate, caller: CurrentCaller, session: SessionDep
) -> SecretPublic:
    """Change a secret's description."""
    secret = secrets_domain.accessible(session, caller, secret_id, "secrets:UpdateSecret")
    secrets_domain.update_secret(secret, body, utcnow())
    audit.record(session, caller, "secrets:UpdateSecret", secret_rn(secret))
    session.commit()
    return secrets_domain.to_public(secret)


@router.get(BY_ID + "/value", response_model=SecretValue, responses=problem_responses(404))
def get_value(
    secret_id: SecretId,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    response: Response,
) -> SecretValue:
    """Read a secret's value (for files, the base64 string as stored). Audited.

    ``ETag`` carries the version read, for a later ``If-Match``.
    """
    secret = secrets_domain.accessible(session, caller, secret_id, "secrets:GetSecretValue")
    return _reveal(session, state, caller, secret, response)


def _reveal(
    session: Session, state: AppState, caller: Caller, secret: Secret, response: Response
) -> SecretValue:
    """Decrypt the value of a secret the caller may read, record that it was read, tag it."""
    value = secrets_domain.read_value(state.envelope, secret)
    audit.record(session, caller, "secrets:GetSecretValue", secret_rn(secret))
    session.commit()
    response.headers["ETag"] = secrets_domain.etag(value.version)
    return value


@router.put(
    BY_ID + "/value",
    response_model=SecretPublic,
    # A malformed If-Match is a 400 too; not listed: the generated client cannot send one.
    responses=problem_responses(404, 409, 412),
)
def put_value(
    secret_id: SecretId,
    body: SecretValueUpdate,
    caller: CurrentCaller,
    session: SessionDep,
    state: StateDep,
    response: Response,
    if_match: IfMatch = None,
) -> SecretPublic:
    """Replace a secret's value; its version increments and the answer carries it.

    Every acknowledged write is its own version, however many writers race.
    With ``If-Match`` (or ``expected_version``) the write happens only if the
    secret is still at that version: 412 naming the current one otherwise.
    """
    expected = secrets_domain.expected_version(if_match, body)
    secret = secrets_domain.accessible(
        session, caller, secret_id, "secrets:PutSecretValue", for_update=True
    )
    secrets_domain.put_value(session, state.envelope, secret, body, utcnow(), expected)
    audit.record(session, caller, "secrets:PutSecretValue", secret_rn(secret))
    session.commit()
    response.headers["ETag"] = secrets_domain.etag(secret.version)
    return secrets_domain.to_public(secret)


@router.delete(
    BY_ID,
    status_code=204,
    responses=problem_responses(404),
    openapi_extra=IDEMPOTENT,
)
def delete(secret_id: SecretId, caller: CurrentCaller, session: SessionDep) -> Response:
    """Delete a secret and its value."""
    secret = secrets_domain.accessible(session, caller, secret_id, "secrets:DeleteSecret")
    audit.record(session, caller, "secrets:DeleteSecret", secret_rn(secret))
    idempotency.forget(session, secret_rn(secret))
    session.delete(secret)
    session.commit()
    return Response(status_code=204)
