import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Project } from "../api/models";
import type { AudioControls } from "../components/AudioItem";
import { ConnectionStatus } from "../components/ConnectionStatus";
import { GuidelinesDialog } from "../components/GuidelinesDialog";
import { QualitySettingsDialog } from "../components/QualitySettingsDialog";
import { HelpOverlay } from "../components/HelpOverlay";
import type { ImageControls } from "../components/ImageItem";
import { ItemView, runMediaAction } from "../components/ItemView";
import { Kbd } from "../components/Kbd";
import { KeySettings } from "../components/KeySettings";
import { ModelSettingsDialog } from "../components/ModelSettingsDialog";
import { ProgressPanel } from "../components/ProgressPanel";
import { Pure } from "../components/Pure";
import { SuggestionNote } from "../components/SuggestionNote";
import { Toast } from "../components/Toast";
import { sessionFor, type LabelingSession } from "../hooks/labelingSession";
import { recordPaintAfterRender } from "../hooks/paintTimes";
import { useStats } from "../hooks/useStats";
import { describeSource } from "../lib/format";
import { actionKey, buildKeymap, type Action, pageCommand } from "../lib/keymap";
import { routeHref } from "../lib/route";
import { editorFor, noEditorSentence, type TaskEditor } from "../tasks";

interface Props {
  api: ApiClient;
  project: Project;
  onProjectChange: (project: Project) => void;
  /** Admin: the key settings, "Retrain now" and the exports are shown. */
  canManage: boolean;
  /** Reviewer or admin: the review page is a link away. */
  canReview?: boolean;
}

/** The labeling page: the project's items, one at a time, in its task's editor. */
export function Labeling(props: Props) {
  const editor = editorFor(props.project);
  if (!editor) return <NoEditor {...props} />;
  return <EditorPage {...props} editor={editor} />;
}

function EditorPage({ api, project, onProjectChange, canManage, canReview = false, editor }: Props & { editor: TaskEditor }) {
  const session = useMemo(() => sessionFor(api, project, editor), [api, project, editor]);
  const [, rerender] = useReducer((n: number, _: undefined) => n + 1, 0);
  const [help, setHelp] = useState(false);
  const [settings, setSettings] = useState(false);
  const [guidelines, setGuidelines] = useState(false);
  const [quality, setQuality] = useState(false);
  const [modelSettings, setModelSettings] = useState(false);
  const [toast, setToast] = useState<string | null>(null);
  const imageControls = useRef<ImageControls | null>(null);
  const audioControls = useRef<AudioControls | null>(null);

  useEffect(() => session.subscribe(() => rerender(undefined)), [session]);

  const keymap = useMemo(() => buildKeymap(project), [project]);

  const { stats, refresh } = useStats(api, project.name, (name) => {
    setToast(`New model: ${name}`);
    session.refreshWaiting();
  });

  const view = session.view();
  const viewKey = view ? `${view.entry ? "h" : "q"}${view.task.itemId}` : "none";

  // The next item is in the DOM now; measure to the frame that shows it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs each time another item is shown (viewKey).
  useLayoutEffect(() => {
    if (session.paintStart !== null) {
      recordPaintAfterRender(session.paintStart);
      session.paintStart = null;
    }
  }, [session, viewKey]);

  const runAction = useCallback(
    (action: Action) => {
      switch (action) {
        case "accept":
          return session.accept();
        case "skip":
          return session.skip();
        case "undo":
          return session.undo();
        case "back":
          return session.back();
        case "forward":
          return session.forward();
        case "help":
          return setHelp((h) => !h);
        case "guidelines":
          return setGuidelines((g) => !g);
        case "searchLabels":
          return focusLabelSearch() || session.flash("This project's editor has no label search: every label is on the page.");
        case "play":
        case "seekBack":
        case "seekForward":
        case "zoomIn":
        case "zoomOut":
        case "zoomReset":
          return runMediaAction(action, audioControls.current, imageControls.current);
      }
    },
    [session],
  );

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (settings || quality || modelSettings) return;
      const command = pageCommand(keymap, e, { help, guidelines, setHelp, setGuidelines });
      if (!command) return;
      const start = performance.now();
      if (command.kind === "label") {
        session.pressLabel(command.label, start);
      } else if (command.kind === "editor") {
        session.editorAction(command.action, start);
      } else {
        if (command.action === "accept" || command.action === "skip") session.paintStart = start;
        runAction(command.action);
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [keymap, session, help, settings, guidelines, quality, modelSettings, runAction]);

  const retrain = async () => {
    await api.train(project.name);
    setToast("Retraining queued.");
    refresh();
  };

  const saveKeys = async (keys: Record<string, string>) => {
    onProjectChange(await api.updateProjectKeys(project.name, keys));
  };

  const state = session.editorState();
  const acceptButton = state ? editor.acceptButton(state) : null;

  return (
    <div class="labeling">
      <header class="bar">
        <a href={routeHref({ page: "projects" })}>Projects</a>
        <h1>{project.name}</h1>
        <nav>
          <a href={routeHref({ page: "history", project: project.name })}>History</a>
          {(canManage || canReview) && (
            <a href={routeHref({ page: "rules", project: project.name })} data-testid="open-rules">
              Rules
            </a>
          )}
          {canReview && <a href={routeHref({ page: "review", project: project.name })}>Review</a>}
          {canReview && <a href={routeHref({ page: "browse", project: project.name })}>Browse</a>}
          <button type="button" class="link" data-testid="open-guidelines" onClick={() => setGuidelines((g) => !g)}>
            Guidelines <Kbd k={actionKey(project, "guidelines")} />
          </button>
          {canManage && (
            <button type="button" class="link" onClick={() => setSettings(true)}>
              Keys
            </button>
          )}
          {canManage && (
            <button type="button" class="link" data-testid="open-quality-settings" onClick={() => setQuality(true)}>
              Quality
            </button>
          )}
          {canManage && (
            <button type="button" class="link" data-testid="open-model-settings" onClick={() => setModelSettings(true)}>
              Model
            </button>
          )}
          <button type="button" class="link" onClick={() => setHelp((h) => !h)}>
            Help <Kbd k="?" />
          </button>
          <ConnectionStatus online={session.online} waiting={session.outbox.size} />
        </nav>
      </header>
      <div class="layout">
        <main class="work">
          <Current session={session} editor={editor} unlearned={stats?.model?.unlearned ?? []} />
          {view && acceptButton && (
            <>
              {!editor.showsItem && (
                <ItemView
                  key={view.task.itemId}
                  api={api}
                  project={project}
                  task={view.task}
                  imageControls={imageControls}
                  audioControls={audioControls}
                />
              )}
              <editor.Editor
                api={api}
                project={project}
                task={view.task}
                draft={session.draft}
                labelKeys={keymap.labelKeys}
                onLabel={(label) => session.pressLabel(label)}
                onStep={(change) => session.editorStep(change)}
              />
              <div class="actions">
                <button
                  type="button"
                  class="primary"
                  onClick={() => runAction("accept")}
                  disabled={!acceptButton.enabled}
                >
                  {acceptButton.text} <Kbd k="Enter" />
                </button>
                <button type="button" onClick={() => runAction("skip")}>
                  Skip <Kbd k={actionKey(project, "skip")} />
                </button>
                <button type="button" onClick={() => runAction("undo")} disabled={session.history.length === 0}>
                  Undo <Kbd k={actionKey(project, "undo")} />
                </button>
                <button type="button" onClick={() => runAction("back")} disabled={session.history.length === 0}>
                  Back <Kbd k={actionKey(project, "back")} />
                </button>
                <button type="button" onClick={() => runAction("forward")} disabled={session.cursor === null}>
                  Forward <Kbd k={actionKey(project, "forward")} />
                </button>
              </div>
            </>
          )}
          {session.message && (
            <p class="message" role="alert">
              {session.message}{" "}
              <button type="button" class="link" onClick={() => session.flash(null)}>
                dismiss
              </button>
            </p>
          )}
        </main>
        <Pure deps={[api, project, stats, session.queueSize, canManage, canReview]}>
          {() => (
            <ProgressPanel
              api={api}
              project={project}
              stats={stats}
              queueSize={session.queueSize}
              onRetrain={retrain}
              canManage={canManage}
              canReview={canReview}
            />
          )}
        </Pure>
      </div>
      {help && (
        <HelpOverlay project={project} labelKeyVerb={editor.labelKeyVerb} keymap={keymap} onClose={() => setHelp(false)} />
      )}
      {settings && canManage && (
        <KeySettings project={project} labelKeys={keymap.labelKeys} onSave={saveKeys} onClose={() => setSettings(false)} />
      )}
      {guidelines && (
        <GuidelinesDialog
          api={api}
          project={project.name}
          toggleKey={actionKey(project, "guidelines")}
          canEdit={canManage}
          onClose={() => setGuidelines(false)}
        />
      )}
      {quality && canManage && (
        <QualitySettingsDialog
          api={api}
          project={project.name}
          onSaved={(overlap) => onProjectChange({ ...project, overlap })}
          onClose={() => setQuality(false)}
        />
      )}
      {modelSettings && canManage && (
        <ModelSettingsDialog api={api} project={project.name} onClose={() => setModelSettings(false)} />
      )}
      <Toast message={toast} onDone={() => setToast(null)} />
    </div>
  );
}

/** What is on screen: the item's id, where it came from, the model's suggestion. */
function Current({
  session,
  editor,
  unlearned,
}: {
  session: LabelingSession;
  editor: TaskEditor;
  unlearned: readonly string[];
}) {
  const view = session.view();
  if (!view) {
    if (session.loading) return <p class="muted">Loading…</p>;
    return (
      <div class="empty" data-testid="empty-queue">
        <h2>Nothing left to label</h2>
        <p class="muted">
          Every item is labeled or held by someone else. This page checks again every few seconds.
        </p>
        <button type="button" onClick={() => session.refill()}>
          Check now
        </button>
      </div>
    );
  }
  const { task, entry } = view;
  return (
    <div class="meta">
      <span data-testid="item-external-id" class="external-id">
        {task.externalId}
      </span>
      {entry ? (
        <span class="badge history">
          labeled “{editor.format(entry.value)}” · {session.history.length - (session.cursor ?? 0)} back
        </span>
      ) : (
        <span class="source" data-testid="source">
          {describeSource(task.source)}
        </span>
      )}
      <SuggestionNote suggestion={task.suggestion} format={editor.format} unlearned={unlearned} />
      {!entry && task.reviewNote && (
        <p class="review-note" role="note" data-testid="review-note">
          A reviewer sent this item back: {task.reviewNote}
        </p>
      )}
    </div>
  );
}

/** A project whose task has no editor on this page: say so, and show its progress. */
function NoEditor({ api, project, canManage, canReview = false }: Props) {
  const { stats, refresh } = useStats(api, project.name, () => undefined);
  const retrain = async () => {
    await api.train(project.name);
    refresh();
  };
  return (
    <div class="labeling">
      <header class="bar">
        <a href={routeHref({ page: "projects" })}>Projects</a>
        <h1>{project.name}</h1>
        <nav>
          <a href={routeHref({ page: "history", project: project.name })}>History</a>
        </nav>
      </header>
      <div class="layout">
        <main class="work">
          <p class="message" role="status" data-testid="no-editor">
            {noEditorSentence(project)}
          </p>
        </main>
        <ProgressPanel
          api={api}
          project={project}
          stats={stats}
          queueSize={null}
          onRetrain={retrain}
          canManage={canManage}
          canReview={canReview}
        />
      </div>
    </div>
  );
}

/** Focus the editor's label search box (an input marked `data-label-search`), if it shows one. */
function focusLabelSearch(): boolean {
  const box = document.querySelector<HTMLInputElement>("[data-label-search]");
  box?.focus();
  box?.select();
  return box !== null;
}
