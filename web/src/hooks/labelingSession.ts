// One labeling session per project: the prefetched queue, the outbox of labels
// not yet acknowledged, and the labels given here (for undo and going back).
// Every action updates the state synchronously, so the next item renders at
// once; the network calls run behind it.

import { ApiError, type ApiClient } from "../api/client";
import type { AnnotationValue, NewAnnotation, Project, Task } from "../api/models";
import type { EditorState, Step, TaskEditor } from "../tasks";
import { Outbox, type SendOutcome } from "../lib/outbox";
import { TaskQueue, buildExclude } from "../lib/queue";
import { prefetchMedia } from "./media";

export interface HistoryEntry {
  task: Task;
  value: AnnotationValue;
  clientId: string;
  /** The server's id once known (it changes when the label is changed). */
  annotationId: number | null;
  /** Calls on this entry (relabel, undo) run one after another. */
  chain: Promise<void>;
}

export interface View {
  task: Task;
  /** The history entry shown when going back; null for the item at the head of the queue. */
  entry: HistoryEntry | null;
}

const QUEUE_TARGET = 5;
const EMPTY_POLL_MS = 10_000;
const FETCH_RETRY_MS = 3_000;

export class LabelingSession {
  readonly queue = new TaskQueue<Task>(QUEUE_TARGET);
  readonly outbox: Outbox<NewAnnotation>;
  history: HistoryEntry[] = [];
  /** Index into history while going back; null at the head of the queue. */
  cursor: number | null = null;
  /** The editor's state for the item on screen (see TaskEditor.draftOf). */
  draft: unknown;
  queueSize: number | null = null;
  modelVersion: string | null = null;
  loading = true;
  exhausted = false;
  fetchFailed = false;
  message: string | null = null;
  /** performance.now() of the key press whose next item has yet to be painted. */
  paintStart: number | null = null;

  private fetching = false;
  private readonly skipping = new Set<number>();
  private readonly listeners = new Set<() => void>();
  private shownKey = "";
  private shownAt = performance.now();
  private pollTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: ApiClient,
    public project: Project,
    public editor: TaskEditor,
  ) {
    this.draft = editor.draftOf(null);
    this.outbox = new Outbox<NewAnnotation>({
      storage: window.localStorage,
      key: `activelabel.outbox.${project.name}`,
      send: (entry) => this.send(entry.payload),
      onRejected: (entry, message) => {
        this.forget(entry.clientId);
        this.flash(`A label for item ${entry.itemId} was refused: ${message}`);
      },
    });
    this.outbox.subscribe(() => this.changed());
    window.addEventListener("online", () => void this.outbox.flush());
  }

  start(): void {
    void this.outbox.flush();
    this.refill();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  view(): View | null {
    if (this.cursor !== null) {
      const entry = this.history[this.cursor];
      if (entry) return { task: entry.task, entry };
    }
    const task = this.queue.current();
    return task ? { task, entry: null } : null;
  }

  get online(): boolean {
    return this.outbox.online && !this.fetchFailed;
  }

  /** What the editor sees of the item on screen. */
  editorState(): EditorState<unknown> | null {
    const view = this.view();
    if (!view) return null;
    return { project: this.project, task: view.task, draft: this.draft, given: view.entry?.value ?? null };
  }

  /**
   * A label key (or its button): the editor decides what it does. `pressedAt`
   * (performance.now() of the key press) starts the paint-time measure when the
   * press moves to another item.
   */
  pressLabel(label: string, pressedAt?: number): void {
    const state = this.editorState();
    if (state) this.apply(this.editor.onLabel(state, label), pressedAt);
  }

  /** Enter: what the editor makes of it (accept the suggestion, submit, move on). */
  accept(): void {
    const state = this.editorState();
    if (state) this.apply(this.editor.onAccept(state));
  }

  /** A key of an action the page leaves to the editor (see TaskEditor.onAction). */
  editorAction(action: string, pressedAt?: number): void {
    const state = this.editorState();
    const step = state ? this.editor.onAction?.(state, action) : null;
    if (step) this.apply(step, pressedAt);
  }

  /** A step of the editor's own controls, made from the state when it runs (see EditorProps.onStep). */
  editorStep(change: (state: EditorState<unknown>) => Step<unknown>): void {
    const state = this.editorState();
    if (state) this.apply(change(state));
  }

  private apply(step: Step<unknown>, pressedAt?: number): void {
    const view = this.view();
    if (!view) return;
    if (pressedAt !== undefined && (step.kind === "submit" || step.kind === "forward")) this.paintStart = pressedAt;
    switch (step.kind) {
      case "edit":
        this.draft = step.draft;
        this.changed();
        return;
      case "submit":
        this.submit(view, step.value, step.acceptedSuggestion);
        return;
      case "forward":
        this.forward();
        return;
      case "refuse":
        this.flash(step.message);
        return;
    }
  }

  skip(): void {
    if (this.cursor !== null) {
      this.forward();
      return;
    }
    const task = this.queue.take();
    if (!task) return;
    this.draft = this.editor.draftOf(null);
    this.skipping.add(task.itemId);
    this.changed();
    this.afterPaint(() => {
      this.api
        .skipTask(this.project.name, task.itemId)
        .catch(() => undefined)
        .finally(() => {
          this.skipping.delete(task.itemId);
          this.queue.release(task.itemId);
        });
      this.refill();
    });
  }

  /** Undo the last label given here; its item comes back to the front. */
  undo(): void {
    const entry = this.history.pop();
    if (!entry) {
      this.flash("Nothing to undo.");
      return;
    }
    this.cursor = null;
    this.queue.pushFront(entry.task);
    this.draft = this.editor.draftOf(null);
    this.changed();
    if (this.outbox.cancel(entry.clientId)) return;
    this.onEntry(entry, async () => {
      const id = await this.annotationIdOf(entry);
      await retry(() => this.api.undoAnnotation(this.project.name, id));
    }, "Undo failed");
  }

  back(): void {
    if (this.history.length === 0) return;
    this.cursor = this.cursor === null ? this.history.length - 1 : Math.max(0, this.cursor - 1);
    this.syncDraft();
    this.changed();
  }

  forward(): void {
    if (this.cursor === null) return;
    this.cursor = this.cursor + 1 >= this.history.length ? null : this.cursor + 1;
    this.syncDraft();
    this.changed();
  }

  /** Seconds the current item has been on screen. */
  secondsShown(): number {
    return Math.round((performance.now() - this.shownAt) / 100) / 10;
  }

  flash(message: string | null): void {
    this.message = message;
    this.changed();
  }

  /** Swap the waiting tasks for fresh copies (new suggestions after a new model). */
  refreshWaiting(): void {
    if (this.fetching || this.queue.length < 2) return;
    const current = this.queue.current();
    this.fetching = true;
    const exclude = buildExclude(current ? [current.itemId] : [], this.outbox.itemIds(), this.skipping);
    this.api
      .nextTasks(this.project.name, QUEUE_TARGET - 1, exclude)
      .then((batch) => {
        this.queue.replaceWaiting(batch.tasks);
        this.queueSize = batch.queueSize;
        this.modelVersion = batch.modelVersion;
      })
      .catch(() => undefined)
      .finally(() => {
        this.fetching = false;
        this.changed();
        this.refill();
      });
  }

  /** Ask for more tasks when the queue is below its target. */
  refill(): void {
    if (this.fetching || this.queue.missing() === 0) return;
    if (this.pollTimer !== null) {
      clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
    this.fetching = true;
    const exclude = buildExclude(
      this.queue.ids(),
      this.outbox.itemIds(),
      this.skipping,
      this.history.filter((h) => h.annotationId === null).map((h) => h.task.itemId),
    );
    const wanted = this.queue.missing();
    this.api
      .nextTasks(this.project.name, wanted, exclude)
      .then((batch) => {
        this.fetchFailed = false;
        const added = this.queue.add(batch.tasks);
        for (const task of batch.tasks) prefetchMedia(this.api, task.mediaUrl);
        this.queueSize = batch.queueSize;
        this.modelVersion = batch.modelVersion;
        this.exhausted = this.queue.length === 0;
        this.fetching = false;
        if (this.exhausted) this.schedule(EMPTY_POLL_MS);
        else if (added > 0 && added === batch.tasks.length && this.queue.missing() > 0 && batch.tasks.length >= wanted) this.refill();
      })
      .catch((error: unknown) => {
        this.fetching = false;
        if (error instanceof ApiError && !error.retryable && error.status !== 401) {
          this.flash(`Cannot load items: ${error.message}`);
        } else {
          this.fetchFailed = true;
        }
        this.schedule(FETCH_RETRY_MS);
      })
      .finally(() => {
        this.loading = false;
        this.changed();
      });
  }

  private schedule(ms: number): void {
    if (this.pollTimer !== null) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.refill();
    }, ms);
  }

  private submit(view: View, value: AnnotationValue, acceptedSuggestion: boolean): void {
    if (view.entry) {
      this.relabel(view.entry, value);
      return;
    }
    const task = this.queue.take();
    if (!task) return;
    const clientId = newClientId();
    const annotation: NewAnnotation = {
      itemId: task.itemId,
      value,
      sessionId: task.source?.sessionId ?? null,
      secondsSpent: this.secondsShown(),
      clientId,
      acceptedSuggestion,
    };
    this.history.push({ task, value, clientId, annotationId: null, chain: Promise.resolve() });
    this.draft = this.editor.draftOf(null);
    this.outbox.add({ clientId, itemId: task.itemId, payload: annotation });
    this.changed();
    this.afterPaint(() => {
      void this.outbox.flush();
      this.refill();
    });
  }

  /** Network work goes after the next item is on screen, not before. */
  private afterPaint(work: () => void): void {
    setTimeout(work, 0);
  }

  private relabel(entry: HistoryEntry, value: AnnotationValue): void {
    const previous = entry.value;
    entry.value = value;
    this.forward();
    if (this.editor.same(previous, value)) return;
    const waiting = this.outbox.pending().find((e) => e.clientId === entry.clientId);
    if (waiting && this.outbox.cancel(entry.clientId)) {
      const clientId = newClientId();
      entry.clientId = clientId;
      this.outbox.add({ clientId, itemId: entry.task.itemId, payload: { ...waiting.payload, value, clientId, acceptedSuggestion: false } });
      void this.outbox.flush();
      return;
    }
    this.onEntry(entry, async () => {
      const id = await this.annotationIdOf(entry);
      const changed = await retry(() => this.api.changeAnnotation(this.project.name, id, value));
      entry.annotationId = changed.id;
    }, "Changing the label failed");
  }

  private onEntry(entry: HistoryEntry, work: () => Promise<void>, failure: string): void {
    entry.chain = entry.chain.then(work).catch((error: unknown) => {
      this.flash(`${failure}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private async annotationIdOf(entry: HistoryEntry): Promise<number> {
    if (entry.annotationId !== null) return entry.annotationId;
    const id = this.outbox.sentId(entry.clientId) ?? (await this.outbox.whenSent(entry.clientId));
    entry.annotationId = id;
    return id;
  }

  private async send(annotation: NewAnnotation): Promise<SendOutcome> {
    try {
      const stored = await this.api.createAnnotation(this.project.name, annotation);
      const entry = this.history.find((h) => h.clientId === annotation.clientId);
      if (entry) entry.annotationId = stored.id;
      return { kind: "sent", id: stored.id };
    } catch (error) {
      if (error instanceof ApiError && !error.retryable && error.status !== 401 && error.status !== 403) {
        return { kind: "rejected", message: error.message };
      }
      return { kind: "retry", message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** A label the server refused saved nothing: it leaves the history, so Undo and Back do not offer it. */
  private forget(clientId: string): void {
    const index = this.history.findIndex((h) => h.clientId === clientId);
    if (index < 0) return;
    this.history.splice(index, 1);
    if (this.cursor !== null) {
      if (this.cursor === index || this.history.length === 0) this.cursor = null;
      else if (this.cursor > index) this.cursor -= 1;
      this.syncDraft();
    }
    this.changed();
  }

  /** The editor starts from the label given, going back; from nothing at the head of the queue. */
  private syncDraft(): void {
    this.draft = this.editor.draftOf(this.view()?.entry?.value ?? null);
  }

  private changed(): void {
    const view = this.view();
    const key = view ? `${view.entry ? "h" : "q"}${view.task.itemId}` : "";
    if (key !== this.shownKey) {
      this.shownKey = key;
      this.shownAt = performance.now();
    }
    for (const listener of this.listeners) listener();
  }
}

const sessions = new Map<string, LabelingSession>();

/** The session of a project, kept while the page is open so going to History and back loses nothing. */
export function sessionFor(api: ApiClient, project: Project, editor: TaskEditor): LabelingSession {
  let session = sessions.get(project.name);
  if (!session) {
    session = new LabelingSession(api, project, editor);
    sessions.set(project.name, session);
    session.start();
  } else {
    session.project = project;
    session.editor = editor;
    session.refill();
  }
  return session;
}

function newClientId(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  // crypto.randomUUID needs a secure context; a plain-http LAN address is not one.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function retry<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = !(error instanceof ApiError) || error.retryable;
      if (!retryable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
    }
  }
}
