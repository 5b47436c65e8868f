"""An in-process client that stands where the labeling page stands.

The server answers only Host names it was started for, and a token-less request
that changes something only with its CSRF token (see
``activelabel.server.request_guard``). ``TestClient`` says ``Host: testserver``
and knows no token; :func:`page_client` says ``127.0.0.1`` and sends the token,
as the page does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from activelabel.server.request_guard import page_headers
from activelabel.store.models import Project


def page_client(app: FastAPI, **kwargs: Any) -> TestClient:
    """A ``TestClient`` of ``app`` that passes the Host and CSRF checks."""
    return TestClient(
        app, base_url="http://127.0.0.1", headers=page_headers(app), **kwargs
    )


#: The ``project_factory`` fixture's type (``tests/conftest.py``), importable by
#: name: ``from conftest import`` finds whichever ``conftest`` pytest loaded first.
ProjectFactory = Callable[..., Project]
