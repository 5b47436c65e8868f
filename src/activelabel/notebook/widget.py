"""The labeling widget: the page's labeling loop inside a notebook cell.

:class:`LabelWidget` is an anywidget: its state (the item shown, the label
keys, the suggestion, the progress) lives in traitlets synced to a small front
end (``widget.js``), and the front end sends back what the person did
(``{"action": "label", "item": id, "value": ...}``, ``accept``, ``skip``,
``undo``). Everything it does goes through the :class:`~activelabel.Project`
facade, that is through the store functions the server calls: the same lease
(one item at a time, held for this annotator), the same label write, the same
skip and undo. So a notebook and the page label one project together and no
item is served to both.

Each action names the item it was pressed on; an action on an item that is no
longer shown (a key pressed twice before the next item arrived) is dropped,
so a fast double press never labels the next item by accident.

Rounds run in :class:`~activelabel.loop.project_trainer.ProjectTrainer`'s
thread and worker process, never in the kernel's main thread; the widget
shows each new model (whoever trained it) as it arrives.
"""

from __future__ import annotations

import getpass
import logging
import threading
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from activelabel.exceptions import ActiveLabelError, ConfigError
from activelabel.keymap import actions_for, assign_keys
from activelabel.notebook.item_view import item_view
from activelabel.notebook.progress import ProgressWatcher, progress_figures
from activelabel.project import DEFAULT_ANNOTATOR, LeasedItem, Project
from activelabel.store.model_versions import ModelPoint
from activelabel.tasks import adapter_for

if TYPE_CHECKING:
    from activelabel.loop.project_trainer import ProjectTrainer

__all__ = ["WIDGET_EDITORS", "LabelWidget", "default_annotator"]

log = logging.getLogger("activelabel.notebook")

#: The page's editors the widget has a front end for (label buttons: one label,
#: or a set of labels toggled then submitted with Enter).
WIDGET_EDITORS = ("classification", "multilabel")

#: The open widget of each (database, project, annotator) in this process: a
#: notebook cell run again replaces its widget, whose background threads would
#: otherwise live on (the old output stays referenced by the kernel's history).
_OPEN: weakref.WeakValueDictionary[tuple[str, str, str], LabelWidget] = (
    weakref.WeakValueDictionary()
)

#: The page's actions the widget binds, with the page's keys for them.
_ACTIONS = ("accept", "skip", "undo", "play")


def default_annotator() -> str:
    """Who labels in a notebook by default: the computer's user name (so two
    people on one database never share leases), else ``"notebook"``."""
    try:
        name = getpass.getuser().strip()
    except (OSError, KeyError):  # no user name in the environment or passwd
        name = ""
    return name or DEFAULT_ANNOTATOR


def _optional_dict() -> Any:
    """A synced trait holding a dict or None (typed Any: traitlets' own types
    have no optional dict)."""
    return traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)


class LabelWidget(anywidget.AnyWidget):
    """Label a project's items in a notebook, as in the page.

    Keys (the page's): a label's key labels the item, Enter accepts the
    model's suggestion (multi-label: submits the labels toggled), Space skips,
    Backspace undoes the last label. Get one with ``project.widget()`` or
    :func:`activelabel.label`. The methods :meth:`label`, :meth:`accept`,
    :meth:`skip` and :meth:`undo` do what the keys do.

    Examples
    --------
    >>> widget = project.widget(annotator="alice")
    >>> widget.item["text"]
    'Free entry in 2 a wkly comp ...'
    >>> widget.label("spam")
    >>> widget.progress["labeled_items"]
    41
    """

    _esm = Path(__file__).with_name("widget.js")
    _css = Path(__file__).with_name("widget.css")

    project_name = traitlets.Unicode().tag(sync=True)
    annotator = traitlets.Unicode().tag(sync=True)
    #: The page's editor of the project's task (``classification``, ``multilabel``).
    editor = traitlets.Unicode().tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: label → its key, as the page assigns them (``activelabel.keymap``).
    label_keys = traitlets.Dict().tag(sync=True)
    #: action (accept, skip, undo; play on audio) → its keys.
    action_keys = traitlets.Dict().tag(sync=True)
    #: The item shown (see :func:`~activelabel.notebook.item_view.item_view`),
    #: None when nothing is left for this annotator.
    item: Any = _optional_dict()
    #: The model's suggestion for the item: ``value``, ``confidence``,
    #: ``source`` (``model`` or ``rules``) and ``model`` (its version's name).
    suggestion: Any = _optional_dict()
    #: Counts and the learning curve (see :meth:`_progress`).
    progress = traitlets.Dict().tag(sync=True)
    #: The last thing that happened, as a sentence (an error says what to do).
    message = traitlets.Unicode("").tag(sync=True)
    #: The last label given here: ``external_id`` and ``value`` (None before one).
    last_label: Any = _optional_dict()

    #: Set once the widget is built; None without background rounds.
    _trainer: ProjectTrainer | None = None
    _watcher: ProgressWatcher | None = None

    def __init__(
        self,
        project: Project,
        *,
        annotator: str | None = None,
        retrain: bool = True,
        close_project: bool = False,
    ) -> None:
        """Show ``project``'s next item for ``annotator`` (default: the
        computer's user name); ``retrain`` runs rounds in the background;
        ``close_project`` closes the project with the widget (the project
        :func:`activelabel.label` opened for it)."""
        editor = adapter_for(project.task).editor
        if editor not in WIDGET_EDITORS:
            raise ConfigError(
                f"The notebook widget labels classification and multilabel "
                f"projects; {project.name!r} is a {project.task} project: label "
                f"it in the page (activelabel serve)."
            )
        who = (annotator or default_annotator()).strip()
        settings = project.settings
        modality = project.modality
        super().__init__(
            project_name=project.name,
            annotator=who,
            editor=editor,
            labels=project.label_names,
            label_keys=assign_keys(project.label_names, modality, settings.keys),
            action_keys={
                a.action: list(a.keys)
                for a in actions_for(modality)
                if a.action in _ACTIONS
            },
        )
        self.project = project
        self._close_project = close_project
        self._modality = modality
        self._text_column = settings.text_column
        # The front end's messages run on the kernel's main thread, new models
        # arrive on the trainer's: one lock keeps the state they share whole.
        self._lock = threading.RLock()
        self._current: LeasedItem | None = None
        self._shown_at = time.monotonic()
        #: Annotation ids labeled here, newest last (what undo withdraws).
        self._history: list[int] = []
        if retrain:
            from activelabel.loop.project_trainer import ProjectTrainer

            self._trainer = ProjectTrainer(
                project.store, project.id, on_model=self._model_arrived
            )
            self._trainer.start()
        key = (project.store.url, project.name, who)
        previous = _OPEN.get(key)
        if previous is not None:
            previous.close()
        _OPEN[key] = self
        self.progress = self._figures()
        self._watcher = ProgressWatcher(self._figures, self._publish)
        self.on_msg(self._on_front_end_message)
        with self._lock:
            self._next_item()

    # -- what the keys do ------------------------------------------------

    def label(self, value: Any, *, accepted_suggestion: bool = False) -> None:
        """Label the item shown with ``value`` (a label, or a list of labels
        for a multi-label project) and show the next one."""
        with self._lock:
            item = self._current
            if item is None:
                self.message = "Nothing to label: no item is shown."
                return
            try:
                annotation = self.project.label(
                    item,
                    value,
                    annotator=self.annotator,
                    accepted_suggestion=accepted_suggestion,
                    seconds_spent=round(time.monotonic() - self._shown_at, 3),
                )
            except ActiveLabelError as error:
                self.message = str(error)
                return
            self._history.append(annotation.id)
            self.last_label = {"external_id": item.external_id, "value": value}
            self.message = ""
            if self._trainer is not None:
                self._trainer.notify()
            self._count_label(+1)
            self._next_item()

    def accept(self) -> None:
        """Label the item shown with the model's suggestion (Enter)."""
        with self._lock:
            item = self._current
            if item is None or item.suggestion is None:
                self.message = (
                    "No suggestion to accept: the model suggests once a round "
                    "has trained it."
                )
                return
            self.label(item.suggestion, accepted_suggestion=True)

    def skip(self) -> None:
        """Give the item shown back (it goes to the end of the queue) and show
        the next one (Space)."""
        with self._lock:
            item = self._current
            if item is None:
                return
            try:
                self.project.skip(item, annotator=self.annotator)
            except ActiveLabelError as error:
                self.message = str(error)
                return
            self.message = f"Skipped {item.external_id}."
            self._next_item(not_this=item.id)

    def undo(self) -> None:
        """Withdraw the last label given here and show its item again (Backspace)."""
        with self._lock:
            if not self._history:
                self.message = "Nothing to undo: no label was given in this widget."
                return
            try:
                undone = self.project.undo(self._history[-1], annotator=self.annotator)
            except ActiveLabelError as error:
                self.message = str(error)
                return
            self._history.pop()
            self.last_label = None
            self._count_label(-1)
            self._next_item(first=undone.item_id)
            self.message = "Undid the last label."

    def refresh(self) -> None:
        """Look again for an item (after others freed some) and for the figures."""
        with self._lock:
            if self._current is None:
                self._next_item()
            self.progress = self._figures()

    def close(self) -> None:
        """Stop the background rounds and close the widget in the notebook."""
        if self._trainer is not None:
            self._trainer.stop()
            self._trainer = None
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if getattr(self, "_close_project", False):
            self.project.close()
            self._close_project = False
        super().close()

    # -- state -----------------------------------------------------------

    def _next_item(
        self, *, first: int | None = None, not_this: int | None = None
    ) -> None:
        """Lease the next item to this annotator and show it.

        The lease returns the items the annotator holds first (best first),
        then free ones. ``first`` is the item to show if it is among them (an
        undone one); ``not_this`` one to show only if nothing else came back
        (a skipped one, when the queue holds nothing else).
        """
        leased = self.project.next_items(1, annotator=self.annotator)
        chosen = next((i for i in leased if i.id == first), None)
        if chosen is None:
            others = [i for i in leased if i.id != not_this]
            candidates = others or leased
            chosen = candidates[0] if candidates else None
        self._show(chosen)

    def _show(self, item: LeasedItem | None) -> None:
        self._current = item
        self._shown_at = time.monotonic()
        if item is None:
            self.item = None
            self.suggestion = None
            self.message = (
                f"No item is left for {self.annotator}: everything is labeled or "
                "held by another annotator. widget.refresh() looks again."
            )
            return
        self.item = item_view(
            self.project.store,
            item,
            modality=self._modality,
            text_column=self._text_column,
        )
        self.suggestion = (
            None
            if item.suggestion is None
            else {
                "value": item.suggestion,
                "confidence": item.confidence,
                "source": "rules" if item.suggestion_source == "rules" else "model",
                "model": self.progress.get("model"),
            }
        )

    def _figures(self) -> dict[str, Any]:
        return progress_figures(
            self.project.store,
            project=self.project.name,
            annotator=self.annotator,
            trainer=self._trainer,
        )

    def _publish(self, figures: dict[str, Any]) -> None:
        with self._lock:
            self.progress = figures

    def _count_label(self, step: int) -> None:
        """Count a label given (+1) or undone (-1) at once; the watcher's next
        figures replace these."""
        figures = dict(self.progress)
        for name in ("labeled_items", "mine"):
            figures[name] = max(0, int(figures.get(name) or 0) + step)
        until = figures.get("labels_until_round")
        if until is not None:
            figures["labels_until_round"] = max(0, until - step)
        self.progress = figures
        if self._watcher is not None:
            self._watcher.changed()

    def _model_arrived(self, point: ModelPoint) -> None:
        """A new model version (the trainer's thread): new figures, and the
        suggestion of the item shown as the new round queued it."""
        try:
            figures = self._figures()
            with self._lock:
                self.progress = figures
                shown = self._current
                if shown is not None:
                    self._next_item(first=shown.id)
                score = "" if point.cv_score is None else f", CV {point.cv_score:.3f}"
                self.message = (
                    f"New model {point.name} ({point.n_labels} labels{score})."
                )
        except Exception:  # the trainer's thread goes on; the next model retries
            log.exception("showing the new model failed")

    def _on_front_end_message(
        self, _widget: object, content: dict[str, Any], _buffers: object
    ) -> None:
        """A key or a click in the front end: ``{"action", "item", "value"}``."""
        action = content.get("action")
        with self._lock:
            shown = self._current.id if self._current is not None else None
            if action != "undo" and content.get("item") != shown:
                return  # pressed on an item no longer shown
            if action == "label":
                self.label(content.get("value"))
            elif action == "accept":
                self.accept()
            elif action == "skip":
                self.skip()
            elif action == "undo":
                self.undo()
            elif action == "refresh":
                self.refresh()
