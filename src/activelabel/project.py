"""The Python API: one labeling project, from a notebook or a script.

:class:`Project` is a facade over the store, the importer, the export and the
training round: the same functions the command line and the server call, so a
notebook and the labeling page share one project (its queue, its leases, its
labels) without stepping on each other.

Examples
--------
>>> import activelabel
>>> project = activelabel.Project.create(
...     "sqlite:///labels.db", "sms", task="classification", labels=["ham", "spam"]
... )
>>> project.import_file("examples/sms_spam.csv", text_column="text",
...                     id_column="id", label_column="label")
>>> for item in project.next_items(5, annotator="alice"):
...     project.label(item, "ham", annotator="alice")
>>> project.run_round().model_version
'20261202T171911Z-cv0.925'
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import select

from activelabel.config import resolve_db_url
from activelabel.exceptions import (
    ItemNotFoundError,
    PermissionDeniedError,
    ProjectExistsError,
)
from activelabel.project_config import ProjectConfig
from activelabel.store.engine import Store, open_store
from activelabel.store.models import Annotation, Item, User
from activelabel.store.models import Project as ProjectRow
from activelabel.store.next_tasks import QueueTopUp, next_tasks
from activelabel.store.projects import create_project, get_project, read_project
from activelabel.store.stats import project_stats
from activelabel.store.submit import submit_label
from activelabel.store.users import add_user
from activelabel.tasks import DEFAULT_TASK, Modality, TaskKind, parse_labels

if TYPE_CHECKING:
    import pandas as pd

    from activelabel.io.export import ExportReport
    from activelabel.io.importer import ImportReport
    from activelabel.loop import RoundReport

__all__ = ["DEFAULT_ANNOTATOR", "LeasedItem", "Project"]

#: Who labels when no ``annotator`` is named: a user of this name is added on
#: first use, apart from the page's ``local`` user, so the two never share items.
DEFAULT_ANNOTATOR = "notebook"

#: A database: a URL (``sqlite:///labels.db``, ``postgresql+psycopg://...``), a
#: path to a SQLite file, or a store opened already (left open by ``close``).
Database = str | os.PathLike[str] | Store


@dataclass(frozen=True)
class LeasedItem:
    """An item leased to an annotator by :meth:`Project.next_items`.

    The lease keeps it from every other annotator (on the page too) until
    ``lease_expires_at``; pass it to :meth:`Project.label` to label it.
    """

    #: The item's id in the database (what :meth:`Project.label` takes).
    id: int
    #: The id given by the imported file, or the content hash.
    external_id: str
    #: The item's original fields (``data["text"]`` for a text item).
    data: dict[str, Any]
    #: The media file's path relative to its media root (image and audio items).
    media_path: str | None
    #: The model's suggested label and its confidence (None before a model).
    suggestion: Any
    confidence: float | None
    #: The strategy that queued the item, and its score for it.
    strategy: str
    score: float | None
    #: The query session the item was served in.
    session_id: int
    lease_expires_at: dt.datetime


class Project:
    """A labeling project in a database: import, lease, label, train, export.

    Get one with :meth:`create` or :meth:`open`; both take a database URL or a
    SQLite file path. Close it with :meth:`close` (or use it in a ``with``).

    Examples
    --------
    >>> with Project.open("labels.db", "sms") as project:
    ...     project.stats()["labeled_items"].iloc[0]
    40
    """

    def __init__(self, store: Store, name: str, *, owns_store: bool = False) -> None:
        """Wrap project ``name`` of an open ``store``; prefer :meth:`open`."""
        self.store = store
        self.name = name
        self._owns_store = owns_store
        self._user_ids: dict[str, int] = {}
        self._top_up: QueueTopUp | None = None
        with store.session() as session:
            row = get_project(session, name)
            self.id = row.id

    # -- opening ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        db: Database,
        name: str,
        *,
        labels: str | Sequence[str],
        task: TaskKind | str = DEFAULT_TASK,
        modality: Modality | str = Modality.TEXT,
        exist_ok: bool = False,
        **settings: Any,
    ) -> Project:
        """Create project ``name`` in ``db`` (a URL or a SQLite file path).

        ``labels`` is the ordered label schema (``["ham", "spam"]`` or
        ``"ham,spam"``); ``settings`` are project settings such as
        ``retrain_every=20`` or ``overlap=2`` (see
        :class:`~activelabel.project_config.ProjectConfig`). A taken name
        raises :class:`ProjectExistsError`, unless ``exist_ok``: then the
        project is opened (and ``settings`` applied) when its task, modality
        and labels are the ones asked for, so a notebook cell can run again.

        Examples
        --------
        >>> Project.create("sqlite:///labels.db", "sms", labels=["ham", "spam"])
        Project('sms', task='classification', modality='text', labels=['ham', 'spam'])
        """
        store, owned = _open_store(db)
        try:
            with store.session(write=True) as session:
                try:
                    row = create_project(
                        session,
                        name=name,
                        task=task,
                        labels=labels,
                        modality=modality,
                        settings=settings,
                    )
                except ProjectExistsError:
                    if not exist_ok:
                        raise
                    row = get_project(session, name.strip())
                    _check_same(row, task=task, labels=labels, modality=modality)
                    if settings:
                        row.update_settings(**settings).check_featurizer(row.modality)
                name = row.name
            return cls(store, name, owns_store=owned)
        except BaseException:
            if owned:
                store.close()
            raise

    @classmethod
    def open(cls, db: Database, name: str) -> Project:
        """Open project ``name`` of ``db``; an unknown name raises
        :class:`ProjectNotFoundError` naming the closest names.

        Examples
        --------
        >>> Project.open("labels.db", "sms")
        Project('sms', task='classification', modality='text', labels=['ham', 'spam'])
        """
        store, owned = _open_store(db)
        try:
            return cls(store, name, owns_store=owned)
        except BaseException:
            if owned:
                store.close()
            raise

    def close(self) -> None:
        """Release the database connections (not those of a store passed in)."""
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        row = self._row()
        return (
            f"Project({self.name!r}, task={row.task!r}, modality={row.modality!r}, "
            f"labels={list(row.labels)!r})"
        )

    # -- what the project is ---------------------------------------------

    @property
    def task(self) -> str:
        """What is labeled: ``classification``, ``multilabel``, ``ner``, ``detection``."""
        return self._row().task

    @property
    def modality(self) -> str:
        """What an item is: ``text``, ``tabular``, ``image`` or ``audio``."""
        return self._row().modality

    @property
    def label_names(self) -> list[str]:
        """The ordered label schema."""
        return list(self._row().labels)

    @property
    def settings(self) -> ProjectConfig:
        """The project's settings as stored now (another process may change them)."""
        return self._row().settings

    def update_settings(self, **changes: Any) -> ProjectConfig:
        """Change settings (validated; a bad one raises :class:`ConfigError`).

        >>> project.update_settings(retrain_every=20).retrain_every
        20
        """
        with self.store.session(write=True) as session:
            row = get_project(session, self.name)
            changed = row.update_settings(**changes)
            changed.check_featurizer(row.modality)
            return changed

    def _row(self) -> ProjectRow:
        with self.store.session() as session:
            return read_project(session, self.name)

    # -- data in and out -------------------------------------------------

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        text_column: str | None = None,
        id_column: str | None = None,
        label_column: str | None = None,
        feature_columns: Sequence[str] | None = None,
        media_column: str | None = None,
        media_root: str | os.PathLike[str] | None = None,
        label_from_folder: bool = False,
        format: str | None = None,
        encoding: str = "utf-8",
        delimiter: str | None = None,
        header: bool = True,
        columns: Sequence[str] | None = None,
        max_image_pixels: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import a file or a folder of media, with the options of ``activelabel import``.

        One transaction: a bad row raises an :class:`ImportFormatError`
        naming the file and row, and nothing is stored. Importing the same
        rows again adds nothing.

        >>> project.import_file("sms.tsv", columns=["label", "text"],
        ...                     label_column="label").items_added
        200
        """
        from activelabel.config import Settings
        from activelabel.io.importer import import_path
        from activelabel.io.media import image_pixel_limit

        with image_pixel_limit(max_image_pixels):
            return import_path(
                self.store,
                self.name,
                Path(path),
                fmt=format,
                encoding=encoding,
                delimiter=delimiter,
                header=header,
                columns=list(columns) if columns is not None else None,
                text_column=text_column,
                id_column=id_column,
                label_column=label_column,
                feature_columns=list(feature_columns) if feature_columns else None,
                media_column=media_column,
                media_root=Path(media_root) if media_root is not None else None,
                label_from_folder=label_from_folder,
                settings=Settings(),
                progress=progress,
            )

    def export(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        include_unlabeled: bool = True,
        escape_formulas: bool = True,
        metadata: str | os.PathLike[str] | None = None,
    ) -> ExportReport:
        """Write the labels dataset (one row per item), as ``activelabel export``.

        ``format`` is ``csv``, ``jsonl`` or ``parquet`` (default: from the
        suffix); ``metadata`` also writes the annotations dataset there.

        >>> project.export("labels.parquet").rows
        600
        """
        from activelabel.io.export import export_annotations, export_labels

        report = export_labels(
            self.store,
            self.name,
            path,
            fmt=format,
            include_unlabeled=include_unlabeled,
            escape_formulas=escape_formulas,
        )
        if metadata is not None:
            export_annotations(
                self.store, self.name, metadata, escape_formulas=escape_formulas
            )
        return report

    # -- labeling --------------------------------------------------------

    def next_items(
        self, n: int = 5, *, annotator: str = DEFAULT_ANNOTATOR
    ) -> list[LeasedItem]:
        """Lease up to ``n`` items to ``annotator``, best first, as the page does.

        Items the annotator holds come first, then the best free ones of the
        queue (topped up from the pool when it runs low). No other annotator
        gets them while the lease lasts; fewer than ``n`` means there are no
        more for this annotator. A new annotator name is added as a user.

        >>> [item.external_id for item in project.next_items(2, annotator="alice")]
        ['sms-0041', 'sms-0042']
        """
        if self._top_up is None:
            # One per project object, as one per server: it remembers a pool
            # found drained, so a finished project is not walked on each call.
            self._top_up = QueueTopUp.for_queue(500)
        leased = next_tasks(
            self.store,
            project_id=self.id,
            user_id=self._user_id(annotator),
            n=n,
            top_up=self._top_up,
            overlap=self.settings.overlap,
        )
        return [
            LeasedItem(
                id=t.item_id,
                external_id=t.external_id,
                data=t.data,
                media_path=t.media_path,
                suggestion=t.suggestion,
                confidence=t.confidence,
                strategy=t.strategy,
                score=t.score,
                session_id=t.session_id,
                lease_expires_at=t.lease_expires_at,
            )
            for t in leased.tasks
        ]

    def label(
        self,
        item: LeasedItem | int | str,
        value: Any,
        *,
        annotator: str = DEFAULT_ANNOTATOR,
        accepted_suggestion: bool = False,
        seconds_spent: float | None = None,
    ) -> Annotation:
        """Label ``item`` with ``value`` for ``annotator``; return the stored label.

        ``item`` is what :meth:`next_items` returned, an item id, or an
        external id (a string). ``value`` is checked against the project's
        task and labels: a bad one raises :class:`InvalidLabelError` naming
        the item, and nothing is stored. An item another annotator holds
        raises :class:`ItemLeasedError`. The annotator's earlier label of the
        item is superseded.

        >>> project.label("sms-0041", "spam", annotator="alice").value
        'spam'
        """
        if isinstance(item, LeasedItem):
            item_id, session_id = item.id, item.session_id
        else:
            item_id, session_id = self._item_id(item), None
        with self.store.session() as session:
            row = read_project(session, self.name)
        submitted = submit_label(
            self.store,
            project=row,
            item_id=item_id,
            value=value,
            annotator_id=self._user_id(annotator),
            session_id=session_id,
            accepted_suggestion=accepted_suggestion,
            seconds_spent=seconds_spent,
        )
        return submitted.annotation

    def _item_id(self, item: int | str) -> int:
        """The database id of an item given by id or by external id."""
        if not isinstance(item, str):
            return int(item)
        with self.store.session() as session:
            found = session.scalar(
                select(Item.id).where(
                    Item.project_id == self.id, Item.external_id == item
                )
            )
        if found is None:
            raise ItemNotFoundError(
                f"Project {self.name!r} has no item with external id {item!r}."
            )
        return found

    def _user_id(self, annotator: str) -> int:
        """The id of user ``annotator``, added (role annotator) when new."""
        cached = self._user_ids.get(annotator)
        if cached is not None:
            return cached
        with self.store.session(write=True) as session:
            user = session.scalar(select(User).where(User.name == annotator.strip()))
            if user is None:
                user, _token = add_user(session, name=annotator, role="annotator")
            elif user.revoked_at is not None:
                raise PermissionDeniedError(
                    f"The user {annotator!r} was revoked; label as another annotator."
                )
            self._user_ids[annotator] = user.id
            return user.id

    # -- the model loop --------------------------------------------------

    def run_round(
        self,
        *,
        queue_size: int = 500,
        strategy: str | None = None,
        random_state: int = 0,
    ) -> RoundReport:
        """Train on the labels so far, score the pool and refill the queue.

        The same round as ``activelabel train`` and the server's trainer.
        The report's ``model_version`` is None while the labels cannot train
        a model yet (fewer than two classes).

        >>> project.run_round().cv_score
        0.925
        """
        from activelabel.loop import run_round

        return run_round(
            self.store,
            self.id,
            queue_size=queue_size,
            strategy=strategy,
            random_state=random_state,
        )

    # -- figures ---------------------------------------------------------

    def stats(self) -> pd.DataFrame:
        """The project's figures as a one-row DataFrame indexed by its name.

        Columns: ``task``, ``modality``, ``items``, ``labeled_items``,
        ``unlabeled_items``, ``annotations``, ``model_versions``,
        ``latest_model``, ``latest_cv_score``, ``latest_macro_f1``,
        ``queue_size``, then the active annotations per label
        (``label:ham``), per source (``source:import``) and per annotator
        (``annotator:alice``). Several projects' rows concatenate.

        >>> project.stats()[["items", "labeled_items", "label:spam"]]
              items  labeled_items  label:spam
        sms     600             45           7
        """
        import pandas as pd

        with self.store.session() as session:
            figures = project_stats(session, get_project(session, self.name))
        row: dict[str, Any] = {
            "task": figures.task,
            "modality": figures.modality,
            "items": figures.items,
            "labeled_items": figures.labeled_items,
            "unlabeled_items": figures.unlabeled_items,
            "annotations": figures.annotations,
            "model_versions": figures.model_versions,
            "latest_model": figures.latest_model,
            "latest_cv_score": figures.latest_cv_score,
            "latest_macro_f1": figures.latest_macro_f1,
            "queue_size": figures.queue_size,
        }
        for prefix, counts in (
            ("label", figures.label_counts),
            ("source", figures.by_source),
            ("annotator", figures.by_annotator),
        ):
            row.update({f"{prefix}:{key}": n for key, n in counts.items()})
        return pd.DataFrame([row], index=pd.Index([figures.name], name="project"))

    def labels(self, *, include_unlabeled: bool = False) -> pd.DataFrame:
        """The labels dataset as a DataFrame: what :meth:`export` writes.

        One row per labeled item (every item with ``include_unlabeled``):
        ``external_id``, the item's fields, ``label`` (majority vote),
        ``n_annotators``, ``agreement``, ``label_source`` and ``status``.

        >>> project.labels()[["external_id", "label"]].head(2)
          external_id label
        0    sms-0001   ham
        1    sms-0002   ham
        """
        from activelabel.io.export import export_labels

        return self._read_export(
            lambda path: export_labels(
                self.store, self.name, path, include_unlabeled=include_unlabeled
            )
        )

    def annotations(self) -> pd.DataFrame:
        """The metadata dataset as a DataFrame: one row per annotation, whatever
        its status, with annotator, source, session, model version and times."""
        from activelabel.io.export import export_annotations

        return self._read_export(
            lambda path: export_annotations(self.store, self.name, path)
        )

    def _read_export(self, write: Callable[[Path], ExportReport]) -> pd.DataFrame:
        """Export to a JSON Lines file (values as stored) and read it back."""
        import pandas as pd

        with tempfile.TemporaryDirectory(prefix="activelabel-") as folder:
            path = Path(folder) / "export.jsonl"
            report = write(path)
            if report.rows == 0:
                return pd.DataFrame()
            # Read with json, not pandas' reader: values stay as stored (an id
            # "0042" stays text, a timestamp stays its ISO string) whatever
            # the pandas version guesses.
            with path.open(encoding="utf-8") as lines:
                return pd.DataFrame([json.loads(line) for line in lines])


def _open_store(db: Database) -> tuple[Store, bool]:
    """The store for ``db`` and whether the caller opened it (and closes it)."""
    if isinstance(db, Store):
        return db, False
    return open_store(resolve_db_url(os.fspath(db))), True


def _check_same(
    row: ProjectRow,
    *,
    task: TaskKind | str,
    labels: str | Sequence[str],
    modality: Modality | str,
) -> None:
    """Refuse to reuse a project whose task, modality or labels differ."""
    asked = {
        "task": TaskKind.parse(str(task)).value,
        "modality": Modality.parse(str(modality)).value,
        "labels": parse_labels(labels),
    }
    stored = {"task": row.task, "modality": row.modality, "labels": list(row.labels)}
    for what, value in asked.items():
        if stored[what] != value:
            raise ProjectExistsError(
                f"A project named {row.name!r} exists already with {what} "
                f"{stored[what]!r}, not {value!r}; open it with Project.open or "
                "pick another name."
            )
