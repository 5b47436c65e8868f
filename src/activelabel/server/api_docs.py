"""The API's documentation page, /docs (Swagger UI), from local files.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine
without internet (or behind a firewall) /docs was a blank page. Swagger UI's
files come from the ``fastapi-offline`` package instead and are served by this
server under ``/docs/assets``; the page loads nothing from elsewhere. There is
no /redoc: ReDoc's bundle fetches its logo from its own CDN, and one page of
API docs is enough.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_URL", "install_api_docs"]

#: Where the Swagger UI and ReDoc files are served.
ASSETS_URL: Final = "/docs/assets"


def _assets_dir() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def install_api_docs(app: FastAPI) -> None:
    """Serve /docs for ``app`` with local assets.

    ``app`` must be built with ``docs_url=None`` and ``redoc_url=None``, so
    FastAPI does not add its CDN-based pages.
    """
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} API"
    app.mount(ASSETS_URL, StaticFiles(directory=_assets_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
        )
