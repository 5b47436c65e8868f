"""The :class:`Project` class: open a project, then import, lease, label, train, export."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

from activelabel.exceptions import ConfigError, ProjectExistsError
from activelabel.project._frames import (
    export_frame,
    learning_curve_frame,
    stats_frame,
)
from activelabel.project._labeling import (
    DEFAULT_ANNOTATOR,
    LeasedItem,
    annotator_id,
    item_id_of,
    leased_items,
    skip_leased,
    undo_own_label,
)
from activelabel.project._opening import Database, check_same, open_store_for
from activelabel.project_config import ProjectConfig
from activelabel.store.engine import Store
from activelabel.store.models import Annotation
from activelabel.store.models import Project as ProjectRow
from activelabel.store.next_tasks import QueueTopUp, next_tasks
from activelabel.store.projects import create_project, get_project, read_project
from activelabel.store.stats import project_stats
from activelabel.store.submit import submit_label
from activelabel.tasks import DEFAULT_TASK, Modality, TaskKind, validate_value

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from activelabel.io.export import ExportReport
    from activelabel.io.importer import ImportReport
    from activelabel.loop import RoundReport
    from activelabel.notebook.widget import LabelWidget

__all__ = ["Project"]


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
        store, owned = open_store_for(db)
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
                    check_same(row, task=task, labels=labels, modality=modality)
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
        store, owned = open_store_for(db)
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
        as_predictions: bool = False,
        model_name: str | None = None,
        unknown_labels: Literal["refuse", "drop", "add"] = "refuse",
    ) -> ImportReport:
        """Import a file or a folder of media, with the options of ``activelabel import``.

        One transaction: a bad row raises an :class:`ImportFormatError`
        naming the file and row, and nothing is stored. Importing the same
        rows again adds nothing. ``as_predictions`` stores the file's labels
        as predictions of ``model_name`` (shown as suggestions) instead.
        ``unknown_labels`` says what a label the project lacks does:
        ``"refuse"`` (raise, naming it, its row and the closest labels),
        ``"drop"`` (left out of its row) or ``"add"`` (added to the labels).

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
                as_predictions=as_predictions,
                model_name=model_name,
                unknown_labels=unknown_labels,
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

        ``format`` is one the project's task writes (``csv``, ``jsonl``,
        ``parquet``; spans also ``conll``, ``conll-iob1``, ``conll-bioes``,
        ``spacy``, ``labelstudio``; default: from the suffix); ``metadata`` also
        writes the annotations dataset there.

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
        # Checked at run time too: a notebook passes whatever it has.
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:  # type: ignore[redundant-expr]
            raise ConfigError(
                f"The 'n' parameter of Project.next_items must be an int >= 1. "
                f"Got {n!r} instead."
            )
        if self._top_up is None:
            # One per project object, as one per server: it remembers a pool
            # found drained, so a finished project is not walked on each call.
            self._top_up = QueueTopUp.for_queue(500)
        leased = next_tasks(
            self.store,
            project_id=self.id,
            user_id=self._annotator_id(annotator),
            n=n,
            top_up=self._top_up,
            overlap=self.settings.overlap,
            overlap_share=self.settings.overlap_share,
        )
        return leased_items(leased.tasks)

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
            item_id = item_id_of(
                self.store, project_id=self.id, project=self.name, item=item
            )
            session_id = None
        with self.store.session() as session:
            row = read_project(session, self.name)
        if not isinstance(item, int):
            # Checked here too, to name the item as the caller did: the
            # store's own check knows only the database id.
            external = item.external_id if isinstance(item, LeasedItem) else item
            validate_value(row.task, row.labels, value, where=f"item {external!r}")
        submitted = submit_label(
            self.store,
            project=row,
            item_id=item_id,
            value=value,
            annotator_id=self._annotator_id(annotator),
            session_id=session_id,
            accepted_suggestion=accepted_suggestion,
            seconds_spent=seconds_spent,
        )
        return submitted.annotation

    def skip(
        self, item: LeasedItem | int | str, *, annotator: str = DEFAULT_ANNOTATOR
    ) -> None:
        """Give back an item leased to ``annotator``; it moves to the queue's end.

        An item another annotator holds raises :class:`ItemLeasedError`.
        """
        item_id = item.id if isinstance(item, LeasedItem) else self._item_id(item)
        skip_leased(
            self.store,
            project=self.name,
            item_id=item_id,
            user_id=self._annotator_id(annotator),
        )

    def undo(
        self, annotation: Annotation | int, *, annotator: str = DEFAULT_ANNOTATOR
    ) -> Annotation:
        """Withdraw a label ``annotator`` gave (an annotation or its id); the item
        comes back first in their queue. Another annotator's label raises
        :class:`PermissionDeniedError`."""
        return undo_own_label(
            self.store,
            project=self.name,
            annotation_id=annotation if isinstance(annotation, int) else annotation.id,
            user_id=self._annotator_id(annotator),
        )

    def widget(
        self, *, annotator: str | None = None, retrain: bool = True
    ) -> LabelWidget:
        """A notebook widget labeling this project (``pip install
        "activelabel[notebook]"``): the next item, its label keys, the model's
        suggestion and the learning curve; Enter accepts, Space skips,
        Backspace undoes. ``annotator`` defaults to the computer's user name;
        ``retrain`` runs a round every ``retrain_every`` labels in a worker
        process. Labels go to this database, so the page and the notebook
        share the queue. See :mod:`activelabel.notebook`."""
        from activelabel.notebook.widget import LabelWidget

        return LabelWidget(self, annotator=annotator, retrain=retrain)

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
        a model yet (fewer than two classes). Labeling here never starts a
        round by itself: call this, or serve the project (its trainer runs
        one every ``retrain_every`` labels, counting these).

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
        with self.store.session() as session:
            figures = project_stats(session, get_project(session, self.name))
        return stats_frame(figures)

    def learning_curve(self) -> pd.DataFrame:
        """The models trained so far, oldest first, as a DataFrame.

        Columns: ``model`` (the version's name), ``n_labels`` (labels it was
        trained on), ``cv_score`` (cross-validated accuracy), ``macro_f1``
        and ``created_at``. Plot it with
        ``project.learning_curve().plot(x="n_labels", y="cv_score")``.

        >>> project.learning_curve()[["n_labels", "cv_score"]]
           n_labels  cv_score
        0        40     0.925
        1        60     0.933
        """
        from activelabel.store.model_versions import model_history

        with self.store.session() as session:
            points = model_history(session, project_id=self.id)
        return learning_curve_frame(points)

    def plot_learning_curve(self) -> Figure:
        """The learning curve as a matplotlib figure (a notebook shows it; a
        script saves it with ``.savefig("curve.png")``)."""
        from activelabel.project._figures import learning_curve_figure

        return learning_curve_figure(
            self.learning_curve(), title=f"Learning curve of {self.name}"
        )

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

        return export_frame(
            lambda path: export_labels(
                self.store, self.name, path, include_unlabeled=include_unlabeled
            )
        )

    def annotations(self) -> pd.DataFrame:
        """The metadata dataset as a DataFrame: one row per annotation, whatever
        its status, with annotator, source, session, model version and times."""
        from activelabel.io.export import export_annotations

        return export_frame(
            lambda path: export_annotations(self.store, self.name, path)
        )

    def _item_id(self, item: int | str) -> int:
        return item_id_of(self.store, project_id=self.id, project=self.name, item=item)

    def _annotator_id(self, annotator: str) -> int:
        """The user id of ``annotator`` (added when new), remembered."""
        if annotator not in self._user_ids:
            self._user_ids[annotator] = annotator_id(self.store, annotator)
        return self._user_ids[annotator]
