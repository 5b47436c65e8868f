"""Requests from outside: the Host, cross-site and body-size checks every request passes.

A server on 127.0.0.1 is still reachable from every web page its user visits:
the browser sends a page's cross-site ``POST`` (with no CORS preflight for a
body-less one) and, after a DNS rebinding, even lets the page read the answer.
So, before any route runs:

* the ``Host`` header must name this server (127.0.0.1, localhost, [::1], the
  address it listens on, or an ``--allowed-host``), else 400: this is what
  stops DNS rebinding;
* a request body longer than the limit is refused with 413 before it is read;
* a request that changes something (POST, PUT, PATCH, DELETE) is refused with
  403 when the browser says it comes from another site (``Sec-Fetch-Site:
  cross-site``) or from another origin (``Origin``), and, unless it carries a
  bearer token, when it lacks this server's CSRF token in the
  ``X-ActiveLabel-CSRF`` header. A browser never adds an ``Authorization``
  header by itself, so a request with a token cannot be forged by a page;
  one without a token can, and the CSRF token (random per server, readable
  only by a page of the same origin, at ``GET /api/v1/csrf``) is its proof.

A pure ASGI middleware, not ``BaseHTTPMiddleware``: it runs on every label, and
it reads a handful of headers without wrapping the request or the response.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from activelabel.server.errors import error_body

__all__ = [
    "CSRF_HEADER",
    "LOCAL_HOSTS",
    "CsrfPublic",
    "RequestGuard",
    "allowed_hosts",
    "host_name",
    "install_request_guard",
    "page_headers",
]

#: The header a state-changing request without a bearer token carries the token in.
CSRF_HEADER = "X-ActiveLabel-CSRF"
#: The names a server always answers to: this machine's loopback.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
#: Addresses that mean "every interface": not a name a request can use.
_ANY_ADDRESS = frozenset({"0.0.0.0", "::", "[::]", ""})
_WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CSRF_KEY = CSRF_HEADER.lower().encode()


class CsrfPublic(BaseModel):
    """This server's CSRF token and the header to send it in."""

    header: str
    token: str


def host_name(value: str) -> str:
    """A Host header (or address) without its port, lower-cased: ``[::1]:80`` → ``[::1]``."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end > 0 else value
    if value.count(":") > 1:  # a bare IPv6 address, as given to --host
        return f"[{value}]"
    name, _, port = value.partition(":")
    return name.rstrip(".") if not port or port.isdigit() else value


def allowed_hosts(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host names a server listening on ``bind_host`` answers to."""
    names = {*LOCAL_HOSTS, *(host_name(h) for h in extra)}
    if host_name(bind_host) not in _ANY_ADDRESS:
        names.add(host_name(bind_host))
    return frozenset(names)


def _origin_netloc(origin: str) -> str | None:
    """``scheme://host[:port]`` → ``host[:port]`` lower-cased (``None``: opaque, e.g. "null")."""
    scheme, sep, rest = origin.strip().lower().partition("://")
    if not sep or scheme not in ("http", "https") or not rest or "/" in rest:
        return None
    return rest


class RequestGuard:
    """The checks of this module as an ASGI middleware (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: frozenset[str],
        trusted_origin_hosts: frozenset[str],
        csrf_token: str,
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.trusted_origin_hosts = trusted_origin_hosts
        self.csrf_token = csrf_token.encode()
        self.max_body_bytes = max_body_bytes
        self._hosts_seen: dict[str, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # One dict built in C, then lookups: cheaper than a Python loop over
        # every header with a chain of comparisons.
        headers: dict[bytes, bytes] = dict(scope["headers"])
        raw_host = headers.get(b"host")
        raw_origin = headers.get(b"origin")
        length = headers.get(b"content-length")
        csrf = headers.get(_CSRF_KEY, b"")
        bearer = headers.get(b"authorization", b"")[:7].lower() == b"bearer "
        refusal = self._refusal(
            scope["method"],
            None if raw_host is None else raw_host.decode("latin-1"),
            None if raw_origin is None else raw_origin.decode("latin-1"),
            headers.get(b"sec-fetch-site"),
            length,
        )
        if refusal is None and _has_nul(scope):
            refusal = (
                422,
                "Invalid request: the URL contains a NUL character (%00), which "
                "no name, id or value can hold.",
                [{"loc": ["path"], "msg": "NUL character"}],
            )
        if refusal is None and scope["method"] in _WRITING_METHODS and not bearer:
            if not hmac.compare_digest(csrf, self.csrf_token):
                refusal = (
                    403,
                    "This request changes something but does not carry this "
                    f"server's CSRF token: send it in the {CSRF_HEADER} header "
                    "(from GET /api/v1/csrf), or send an annotator token.",
                    [{"loc": ["header", CSRF_HEADER], "msg": "missing or stale"}],
                )
        if refusal is not None:
            await _send_error(send, *refusal)
            return
        if length is None and scope["method"] in _WRITING_METHODS:
            receive = self._counting(receive)
        await self.app(scope, receive, send)

    def _refusal(
        self,
        method: str,
        host: str | None,
        origin: str | None,
        fetch_site: bytes | None,
        length: bytes | None,
    ) -> tuple[int, str, list[Any]] | None:
        """The status, sentence and details to refuse with, or ``None`` to let through."""
        if host is None or not self._answers(host):
            named = host_name(host) if host else "(none)"
            return (
                400,
                f"This server does not answer to the host name {named}; start it "
                f"with --allowed-host {named} if that name is meant to reach it.",
                [{"loc": ["header", "Host"], "msg": "not an allowed host"}],
            )
        if length is not None:
            if not length.isdigit():
                return 400, "The Content-Length header is not a number.", []
            if int(length) > self.max_body_bytes:
                return self._too_large()
        if method not in _WRITING_METHODS:
            return None
        if fetch_site == b"cross-site":
            return (
                403,
                "Requests that change something are refused from other sites.",
                [{"loc": ["header", "Sec-Fetch-Site"], "msg": "cross-site"}],
            )
        if origin is not None:
            netloc = _origin_netloc(origin)
            if netloc is None or (
                netloc != host.strip().lower()
                and host_name(netloc) not in self.trusted_origin_hosts
            ):
                return (
                    403,
                    f"Requests that change something are refused from the origin "
                    f"{origin}; only the labeling page served here may send them.",
                    [{"loc": ["header", "Origin"], "msg": "foreign origin"}],
                )
        return None

    def _answers(self, host: str) -> bool:
        """Whether the Host header ``host`` names this server (remembered per value)."""
        known = self._hosts_seen.get(host)
        if known is None:
            known = host_name(host) in self.hosts
            if len(self._hosts_seen) < 64:  # a few spellings; never grows unbounded
                self._hosts_seen[host] = known
        return known

    def _too_large(self) -> tuple[int, str, list[Any]]:
        return (
            413,
            f"The request body is larger than this server accepts "
            f"({self.max_body_bytes:,} bytes).",
            [],
        )

    def _counting(self, receive: Receive) -> Receive:
        """``receive`` that refuses a body without Content-Length once it grows too long."""
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    # An HTTPException passes FastAPI's body parsing unchanged
                    # and is answered in the error shape by errors.py.
                    raise HTTPException(413, self._too_large()[1])
            return message

        return counted


def _has_nul(scope: Scope) -> bool:
    """Whether the path or query string holds a NUL (PostgreSQL text cannot)."""
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or (b"%00" in query or b"\x00" in query)


async def _send_error(send: Send, status: int, error: str, errors: list[Any]) -> None:
    body = json.dumps(error_body(status, error, errors)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


router = APIRouter(prefix="/api/v1", tags=["session"])


@router.get("/csrf")
def read_csrf(request: Request) -> CsrfPublic:
    """This server's CSRF token, for the ``X-ActiveLabel-CSRF`` header.

    Only a page of this server's own origin can read the answer (browsers keep
    other sites from reading it, and the Host check keeps DNS rebinding out).
    """
    return CsrfPublic(header=CSRF_HEADER, token=request.app.state.csrf_token)


def install_request_guard(
    app: FastAPI,
    *,
    bind_host: str,
    extra_hosts: Iterable[str],
    max_body_bytes: int,
) -> None:
    """Give ``app`` a fresh CSRF token, the ``/api/v1/csrf`` route and the guard."""
    extra = tuple(extra_hosts)
    app.state.csrf_token = secrets.token_urlsafe(32)
    app.include_router(router)
    app.add_middleware(
        RequestGuard,
        hosts=allowed_hosts(bind_host, extra),
        trusted_origin_hosts=frozenset(host_name(h) for h in extra),
        csrf_token=app.state.csrf_token,
        max_body_bytes=max_body_bytes,
    )


def page_headers(app: FastAPI) -> dict[str, str]:
    """The headers the labeling page sends with a state-changing request.

    For in-process clients of ``app`` (tests, benchmarks) that stand in for
    the page; a client over HTTP reads the token from ``GET /api/v1/csrf``.
    """
    return {CSRF_HEADER: str(app.state.csrf_token)}
