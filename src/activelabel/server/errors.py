"""One JSON error shape for every failure: ``{"ok", "status", "error", "errors"}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from activelabel.exceptions import ActiveLabelError

__all__ = ["error_body", "install_error_handlers"]


def error_body(
    status: int, error: str, errors: list[Any] | None = None
) -> dict[str, Any]:
    """The error document every endpoint answers with."""
    return {"ok": False, "status": status, "error": error, "errors": errors or []}


def install_error_handlers(app: FastAPI) -> None:
    """Route library errors, HTTP errors and validation errors to :func:`error_body`."""

    @app.exception_handler(ActiveLabelError)
    async def _library(_: Request, exc: ActiveLabelError) -> JSONResponse:
        return JSONResponse(error_body(exc.status_code, exc.message), exc.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status_code, str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (a NUL in text on PostgreSQL, a number
        # out of its range): the request's fault, and its transaction rolled back.
        detail = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
        return JSONResponse(
            error_body(
                422, f"Invalid request: the database cannot store a value: {detail}."
            ),
            422,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette raises the exception again after this answer is sent, so
        # the server logs it with its traceback; the client gets the shape.
        return JSONResponse(
            error_body(
                500,
                f"Unexpected error on {request.method} {request.url.path}: "
                f"{type(exc).__name__}. It is in the server's log; please report it.",
            ),
            500,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return JSONResponse(
            error_body(422, f"Invalid request: {where}: {first['msg']}.", problems), 422
        )
