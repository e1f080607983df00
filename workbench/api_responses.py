"""The error responses the API's operations document in the OpenAPI schema (`raises=` on each route).

Litestar documents 400 by itself for an operation with parameters; the rest are named here once, so
every operation says the same thing about who may call it and what it may refuse. The JSON body of
each is the house error shape (``status_code``, ``detail``, ``extra``) that ``workbench.errors`` sends.
"""

from __future__ import annotations

from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)


class Conflict(ClientException):
    """A stale ``version``: someone else changed the record first (409, with what changed)."""

    status_code = 409


class PayloadTooLarge(ClientException):
    status_code = 413


class UnsupportedMediaType(ClientException):
    status_code = 415


# Every operation: no or unknown token (401), a role the operation does not admit (403).
SIGNED_IN = [NotAuthorizedException, PermissionDeniedException]
# An operation on one case: one that does not exist, or that the caller may not see, is 404.
ONE_CASE = [*SIGNED_IN, NotFoundException]
# A change to one case that carries the version it was read at.
CASE_CHANGE = [*ONE_CASE, Conflict]
