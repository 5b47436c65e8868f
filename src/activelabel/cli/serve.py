"""Commands that run the loop: serve (the page + API + trainer) and train (one round)."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from activelabel.cli.app import DbOption, app, console, fail, open_db
from activelabel.config import resolve_db_url
from activelabel.exceptions import ConfigError
from activelabel.io.importer import import_path
from activelabel.store.engine import Store
from activelabel.store.models import Project
from activelabel.store.projects import create_project, get_project


def _project_for_file(
    store: Store,
    path: Path,
    *,
    labels: str | None,
    task: str,
    text_column: str | None,
    label_column: str | None,
) -> str:
    """``serve data.csv --labels a,b``: make (or reuse) a project named after the file."""
    name = path.stem
    with store.session() as session:
        exists = session.scalar(select(Project.id).where(Project.name == name))
        if exists is None:
            if not labels:
                raise ConfigError(
                    f"To serve {path} directly, name the labels: --labels a,b "
                    "(a project of that name will be created)."
                )
            create_project(session, name=name, task=task, labels=labels)
    report = import_path(
        store, name, path, text_column=text_column, label_column=label_column
    )
    console.print(
        f"Imported {report.items_added:,} new items from {path} into project {name}."
    )
    return name


@app.command("serve")
def serve_command(
    targets: Annotated[
        list[str],
        typer.Argument(
            help="The projects to serve (one or more names), or one data file to "
            "import and serve (with --labels). Tokens work on these projects only.",
            metavar="PROJECT...|FILE",
        ),
    ],
    labels: Annotated[
        str | None,
        typer.Option(help="Labels of the project made for a data file: a,b,c."),
    ] = None,
    task: Annotated[
        str, typer.Option(help="Task of the project made for a data file.")
    ] = "classification",
    text_column: Annotated[
        str | None, typer.Option(help="Text column of a data file.")
    ] = None,
    label_column: Annotated[
        str | None, typer.Option(help="Column of a data file with existing labels.")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(help="Port to listen on (0 picks a free one).")
    ] = 8765,
    require_token: Annotated[
        bool,
        typer.Option(
            help="Refuse requests without an annotator token (default when listening "
            "on an address other than 127.0.0.1)."
        ),
    ] = False,
    open_browser: Annotated[
        bool, typer.Option(help="Open the page in a browser.")
    ] = False,
    trainer: Annotated[
        bool, typer.Option(help="Run the background trainer in this process.")
    ] = True,
    queue_size: Annotated[
        int, typer.Option(min=10, help="Items kept in the queue.")
    ] = 500,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="Another host name the server answers to (besides 127.0.0.1, "
            "localhost, [::1] and --host), e.g. this machine's name on the network; "
            "repeatable. Requests naming any other Host are refused (400).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Serve the labeling page and the API; the model retrains in the background."""
    from activelabel.server.app import create_app
    from activelabel.server.deps import ServerSettings
    from activelabel.server.request_guard import LOCAL_HOSTS, allowed_hosts, host_name
    from activelabel.server.serving import listen_socket, run_app

    # A port in use is said before a data file is imported or anything opened.
    listen_socket(host, port).close()
    url = resolve_db_url(db)
    store = open_db(url)
    path = Path(targets[0])
    if len(targets) == 1 and path.suffix and path.is_file():
        names = [
            _project_for_file(
                store,
                path,
                labels=labels,
                task=task,
                text_column=text_column,
                label_column=label_column,
            )
        ]
    else:
        with store.session() as session:
            for target in targets:
                get_project(session, target)
        names = list(dict.fromkeys(targets))
    name = names[0]
    open_access = not require_token and host in ("127.0.0.1", "localhost", "::1")
    settings = ServerSettings(
        open_access=open_access,
        background_trainer=trainer,
        queue_size=queue_size,
        # Tokens work on the served projects only; others answer 404.
        projects=frozenset(names),
        bind_host=host,
        allowed_hosts=tuple(allowed_host or ()),
    )
    application = create_app(store, settings, url=url)

    # The server answers only these Host names (see server.request_guard): a
    # link to 0.0.0.0 would be refused, so the address shown is one it answers.
    hosts = allowed_hosts(host, allowed_host or ())
    shown = host_name(host) if host_name(host) in hosts else "127.0.0.1"

    def started(bound: int) -> None:
        where = f"http://{shown}:{bound}/#/p/{name}"
        console.print(
            f"Labeling [bold]{name}[/] at {where}  (API docs: http://{shown}:{bound}/docs)"
        )
        for other in names[1:]:
            console.print(
                f"Labeling [bold]{other}[/] at http://{shown}:{bound}/#/p/{other}"
            )
        console.print(
            "Access: "
            + ("open on this machine" if open_access else "annotator tokens required")
            + ". Ctrl+C stops."
        )
        if host_name(host) not in LOCAL_HOSTS or allowed_host:
            console.print(
                "Answers to the host names "
                + ", ".join(sorted(hosts))
                + "; add the name others use to reach this machine with --allowed-host NAME."
            )
        if open_browser:
            webbrowser.open(where)

    run_app(
        application,
        host=host,
        port=port,
        on_started=started,
        sock=listen_socket(host, port),
    )


@app.command("train")
def train_command(
    name: Annotated[str, typer.Argument(help="Project name.")],
    queue_size: Annotated[
        int, typer.Option(min=10, help="Items to put in the queue.")
    ] = 500,
    strategy: Annotated[
        str | None,
        typer.Option(help="Query strategy (default: the project's, else the default)."),
    ] = None,
    train_on_weak: Annotated[
        bool | None,
        typer.Option(
            "--train-on-weak/--no-train-on-weak",
            help="Also learn the labeling functions' labels (weighted by the label "
            "model's confidence; a person's label always wins). Kept as the "
            "project's setting for the rounds that follow.",
            show_default=False,
        ),
    ] = None,
    automl: Annotated[
        bool,
        typer.Option(
            "--automl",
            help="Search estimators and their settings now (AutoML, scored by "
            "cross-validated macro-F1); the winner replaces the default model only "
            "if it scores higher.",
        ),
    ] = False,
    time_budget: Annotated[
        float | None,
        typer.Option(
            help="Seconds the --automl search may take (default: the project's "
            "automl_budget, 60).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Train a model on the labels so far, score the pool, and refill the queue (one round)."""
    from activelabel.loop.automl_record import automl_summary
    from activelabel.loop.round import run_round
    from activelabel.ml.automl import check_time_budget
    from activelabel.store.model_versions import newest_model_point

    if time_budget is not None and not automl:
        fail("--time-budget is the AutoML search's budget: add --automl.")
    budget = None if time_budget is None else check_time_budget(time_budget)
    store = open_db(db)
    with store.session(write=train_on_weak is not None) as session:
        project = get_project(session, name)
        project_id = project.id
        if train_on_weak is not None:
            project.update_settings(train_on_weak=train_on_weak)
        if automl and budget is None:
            budget = project.settings.automl_budget
    doing = (
        f"AutoML search (up to {budget:g} s), then scoring"
        if budget
        else "Training and scoring"
    )
    from activelabel.ml.text_features import embedding_progress

    with (
        console.status(f"{doing} {name} ...") as status,
        # Embedding a pool takes minutes the first time (then it is cached).
        embedding_progress(
            lambda done, total: status.update(
                f"Embedding texts: {done:,} of {total:,} ({done / total:.0%}) ..."
            )
        ),
    ):
        report = run_round(
            store,
            project_id,
            queue_size=queue_size,
            strategy=strategy,
            automl_budget=budget,
        )
    if report.model_version:
        console.print(
            f"Model {report.model_version} trained on {report.n_labels:,} labels "
            f"(CV score {report.cv_score if report.cv_score is not None else 'n/a'})."
        )
        with store.session() as session:
            point = newest_model_point(session, project_id=project_id)
        summary = automl_summary(None if point is None else point.metrics.get("automl"))
        if summary:
            console.print(summary + ".")
    elif report.note:
        console.print(f"No model: {report.note}")
    else:
        console.print(
            f"No model yet ({report.n_labels} labels; training needs two classes)."
        )
    if report.weak_labels:
        console.print(
            f"Weak labels: {report.weak_labels:,} items labeled by the label model "
            "over the labeling functions."
        )
    if report.auto_labeled:
        console.print(
            f"Auto-labeled: the model labeled {report.auto_labeled:,} items itself "
            f"(see activelabel auto-accept {name})."
        )
    console.print(
        f"Queued {report.queued:,} of {report.pool_size:,} items with strategy {report.strategy} "
        f"(session {report.session_id}); seconds: {report.seconds}."
    )
