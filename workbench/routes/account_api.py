"""The API's own account endpoints: who am I, and issuing a personal token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from litestar import Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from workbench.accounts import AccountError, create_token
from workbench.api_responses import SIGNED_IN
from workbench.roles import ALL_STAFF, Role


@dataclass
class Me:
    username: str
    full_name: str
    role: str
    role_label: str


@dataclass
class TokenRequest:
    name: str


@dataclass
class TokenIssued:
    name: str
    token: str
    created_at: datetime


@get("/api/me", name="api-me", opt={"roles": ALL_STAFF}, tags=["account"], summary="The signed-in user",
     raises=SIGNED_IN)
async def me(request: Request) -> Me:
    user = request.user
    return Me(user.username, user.full_name, user.role, Role(user.role).label)


@post("/api/tokens", name="api-token-create", opt={"roles": ALL_STAFF}, tags=["account"],
      summary="Issue a personal API token", raises=SIGNED_IN)
async def issue_token(request: Request, data: JSONBody[TokenRequest]) -> TokenIssued:
    try:
        issued = await create_token(request.user, data.name)
    except AccountError as exc:
        raise ValidationException(str(exc)) from None
    return TokenIssued(issued.record.name, issued.token, issued.record.created_at)
