"""The FastAPI application factory: API routers, error shape, page, trainer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from activelabel.__about__ import __version__
from activelabel.loop.trainer import BackgroundTrainer
from activelabel.server.api_docs import install_api_docs
from activelabel.server.deps import (
    LOCAL_USER,
    AnnotatorCache,
    ProjectCache,
    RecentValues,
    ServerSettings,
)
from activelabel.server.errors import error_body, install_error_handlers
from activelabel.server.last_use import LastUse
from activelabel.server.request_guard import install_request_guard
from activelabel.server.routes import annotations as annotation_routes
from activelabel.server.routes import auto_labels as auto_label_routes
from activelabel.server.routes import files, projects, review, stats, tasks
from activelabel.server.routes import imported_order as imported_order_routes
from activelabel.server.routes import labels as label_routes
from activelabel.server.routes import quality as quality_routes
from activelabel.server.routes import rules as rule_routes
from activelabel.server.schemas import StatsPublic
from activelabel.store.checkpoints import WalCheckpointer
from activelabel.store.engine import Store
from activelabel.store.gold import GoldMixer
from activelabel.store.next_tasks import QueueTopUp
from activelabel.store.queue_statistics import QueueStatistics
from activelabel.store.users import add_user, find_user

__all__ = ["STATIC_DIR", "create_app"]

#: Where the built page lives inside the package.
STATIC_DIR = Path(__file__).parent / "static"


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _ensure_local_user(store: Store) -> None:
    with store.session() as session:
        if find_user(session, LOCAL_USER) is None:
            # The one person of an open, token-less server on 127.0.0.1.
            add_user(session, name=LOCAL_USER, role="admin")


def create_app(
    store: Store, settings: ServerSettings | None = None, *, url: str | None = None
) -> FastAPI:
    """Build the app over an open store. Nothing runs until the app starts."""
    settings = settings or ServerSettings()
    database_url = url or store.engine.url.render_as_string(hide_password=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.open_access:
            _ensure_local_user(store)
        trainer = None
        if settings.background_trainer:
            trainer = BackgroundTrainer(
                store,
                database_url,
                queue_size=settings.queue_size,
                poll_seconds=settings.trainer_poll_seconds,
            )
            trainer.start()
        app.state.trainer = trainer
        checkpointer = WalCheckpointer(store)
        checkpointer.start()
        # PostgreSQL: the planner's figures of the queue follow its changes.
        queue_statistics = QueueStatistics(store)
        queue_statistics.start()
        app.state.last_use.start()
        try:
            yield
        finally:
            if trainer is not None:
                trainer.stop()
            checkpointer.stop()
            queue_statistics.stop()
            app.state.last_use.stop()

    app = FastAPI(
        title="activelabel",
        version=__version__,
        description="ML-assisted data labeling with active learning.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        # /docs is served with local assets below: FastAPI's pages load a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    # What a child process (the round worker, an export) opens.
    app.state.database_url = database_url
    app.state.settings = settings
    app.state.annotators = AnnotatorCache()
    app.state.last_use = LastUse(store)
    app.state.projects = ProjectCache()
    # "Next task" tops a low queue up itself, whether or not a round is coming.
    app.state.queue_top_up = QueueTopUp.for_queue(settings.queue_size)
    # Gold items mixed into annotators' tasks at each project's gold_rate.
    app.state.gold = GoldMixer()
    app.state.stats = RecentValues[StatsPublic](stats.STATS_SECONDS)
    app.state.trainer = None
    install_error_handlers(app)
    # The labeling routes first: requests are matched against routes in order,
    # and "next task" and "submit label" are most of them.
    for module in (tasks, annotation_routes, projects, stats, files, review):
        app.include_router(module.router)
    app.include_router(quality_routes.router)
    app.include_router(label_routes.router)
    app.include_router(rule_routes.router)
    app.include_router(auto_label_routes.router)
    app.include_router(imported_order_routes.router)
    # The Host, cross-site and body-size checks, and the CSRF token's route.
    install_request_guard(
        app,
        bind_host=settings.bind_host,
        extra_hosts=settings.allowed_hosts,
        max_body_bytes=settings.max_body_bytes,
    )

    install_api_docs(app)

    @app.get("/api/{rest:path}", include_in_schema=False)
    def unknown_api(rest: str) -> JSONResponse:
        return JSONResponse(error_body(404, f"No API endpoint /api/{rest}."), 404)

    if (STATIC_DIR / "index.html").is_file():
        app.mount(
            "/assets",
            StaticFiles(directory=STATIC_DIR / "assets", check_dir=False),
            name="assets",
        )

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(
                STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"}
            )
    else:

        @app.get("/", include_in_schema=False)
        def no_page() -> JSONResponse:
            return JSONResponse(
                error_body(
                    503,
                    "The labeling page is not built; run `bash scripts/install` "
                    "(it builds web/ into the package). The API is at /docs.",
                ),
                503,
            )

    return app
