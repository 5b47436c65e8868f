import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { AnnotationValue, Project, Task } from "../api/models";
import { type Decision, type ReviewCounts, type ReviewItem, type ReviewPage, reviewCounts, reviewQueue, sendReview } from "../api/quality";
import type { AudioControls } from "../components/AudioItem";
import { GuidelinesDialog } from "../components/GuidelinesDialog";
import { HelpOverlay } from "../components/HelpOverlay";
import type { ImageControls } from "../components/ImageItem";
import { ItemFiltersBar } from "../components/ItemFiltersBar";
import { ItemView, runMediaAction } from "../components/ItemView";
import { Kbd } from "../components/Kbd";
import { ReviewItemDetails } from "../components/ReviewItemDetails";
import { formatValue } from "../lib/format";
import { actionKey, buildKeymap, pageCommand } from "../lib/keymap";
import { annotatorsOf, type ItemFilters, filterQuery, queueReasons, REVIEW_DEFAULTS, mergedNames } from "../lib/reviewFilters";
import type { ReviewAction } from "../lib/reviewKeys";
import { routeHref } from "../lib/route";
import { editorFor, type Step } from "../tasks";
import "../components/review.css";

interface Props {
  api: ApiClient;
  project: Project;
  canManage: boolean;
}

/** The item as the task editors and the item view read it. */
function asTask(item: ReviewItem): Task {
  return {
    itemId: item.itemId,
    externalId: item.externalId,
    data: item.data,
    text: item.text,
    mediaUrl: item.mediaUrl,
    suggestion: item.suggestion,
    source: null,
    layout: null,
  };
}

/**
 * The review queue, one item at a time and keyboard-first: Enter accepts the
 * label, a label key corrects it (through the task's editor), Backspace rejects
 * it with a note that goes back to its annotator. Conflicts come first.
 */
export function Review({ api, project, canManage }: Props) {
  const editor = editorFor(project);
  // Editors that draw the item themselves need more than a review item carries
  // (a span editor's tokens): there the reviewer accepts or rejects.
  const corrects = editor !== null && !editor.showsItem;
  const [filters, setFilters] = useState<ItemFilters>(REVIEW_DEFAULTS);
  const [page, setPage] = useState<ReviewPage | null>(null);
  const [index, setIndex] = useState(0);
  const [counts, setCounts] = useState<ReviewCounts | null>(null);
  const [annotators, setAnnotators] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  // The editor's draft of the item on screen, known by the item it belongs to.
  const [drafted, setDrafted] = useState<{ key: string; draft: unknown } | null>(null);
  const [help, setHelp] = useState(false);
  const [guidelines, setGuidelines] = useState(false);
  const imageControls = useRef<ImageControls | null>(null);
  const audioControls = useRef<AudioControls | null>(null);
  const noteField = useRef<HTMLInputElement | null>(null);

  const item = page?.items[index] ?? null;
  const itemKey = item ? `${item.itemId}:${item.updatedAt ?? ""}` : "none";
  const edited = drafted !== null && drafted.key === itemKey;
  // A new item starts from its label.
  const draft = edited ? drafted.draft : editor && item ? editor.draftOf(item.label) : null;
  const setDraft = (next: unknown) => setDrafted({ key: itemKey, draft: next });

  const keymap = useMemo(
    () =>
      buildKeymap<ReviewAction>({
        labels: project.labels,
        keys: project.keys,
        actions: project.reviewActions,
        editorActions: corrects ? project.editorActions : [],
        reservedKeys: project.reservedKeys,
      }),
    [project, corrects],
  );

  const refreshCounts = useCallback(() => {
    reviewCounts(api, project.name)
      .then(setCounts)
      .catch(() => undefined);
  }, [api, project.name]);

  // Each list asked for, and each decision, gets a number: an answer to an older
  // question (asked before a decision changed the list) is dropped.
  const asked = useRef(0);
  const load = useCallback(
    async (f: ItemFilters, keepIndex = 0) => {
      const mine = ++asked.current;
      try {
        const next = await reviewQueue(api, project.name, filterQuery(f, "review"));
        if (mine !== asked.current) return;
        setPage(next);
        setAnnotators((known) => mergedNames(known, annotatorsOf(next.items)));
        setIndex(Math.min(keepIndex, Math.max(next.items.length - 1, 0)));
        setMessage(null);
      } catch (e) {
        if (mine !== asked.current) return;
        setPage(null);
        setMessage(e instanceof Error ? e.message : String(e));
      }
    },
    [api, project.name],
  );

  useEffect(() => {
    void load(filters);
    refreshCounts();
  }, [load, filters, refreshCounts]);

  useEffect(() => {
    api
      .stats(project.name)
      .then((s) => setAnnotators((known) => mergedNames(known, Object.keys(s.byAnnotator))))
      .catch(() => undefined);
  }, [api, project.name]);

  // A new item on screen: the note field closes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs each time another item is shown (itemKey).
  useEffect(() => {
    setNote(null);
  }, [itemKey]);

  useEffect(() => {
    if (note !== null) noteField.current?.focus();
  }, [note]);

  const decide = async (decision: Decision) => {
    if (!item || busy) return;
    setBusy(true);
    asked.current++;
    try {
      const updated = await sendReview(api, project.name, item.itemId, decision);
      setMessage(null);
      if (page) {
        // In the "to review" list a decided item leaves it; elsewhere it stays, updated.
        const leaves = filters.state === "to_review" || (filters.state !== "any" && filters.state !== updated.reviewState);
        const items = leaves
          ? page.items.filter((i) => i.itemId !== item.itemId)
          : page.items.map((i) => (i.itemId === item.itemId ? updated : i));
        const count = leaves ? page.count - 1 : page.count;
        if (items.length === 0 && count > 0) await load(filters);
        else {
          setPage({ ...page, items, count });
          setIndex(leaves ? Math.min(index, Math.max(items.length - 1, 0)) : Math.min(index + 1, items.length - 1));
        }
      }
      refreshCounts();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const runStep = (step: Step<unknown>) => {
    if (!item || !editor) return;
    switch (step.kind) {
      case "edit":
        setDraft(step.draft);
        return;
      case "submit":
        if (!item.conflict && item.label !== null && editor.same(step.value, item.label)) return void decide({ decision: "accept" });
        return void decide({ decision: "correct", value: step.value });
      case "forward":
        return accept();
      case "refuse":
        return setMessage(step.message);
    }
  };

  const accept = () => {
    if (!item) return;
    if (item.conflict) {
      setMessage("Its annotators disagree: press the key of the right label to settle it, or reject it with a note.");
      return;
    }
    if (item.label === null) {
      setMessage("This item has no label to accept: press a label's key to give it one.");
      return;
    }
    void decide({ decision: "accept" });
  };

  const editorState = (current: ReviewItem) => ({ project, task: asTask(current), draft, given: current.label });

  const pressAccept = () => {
    if (!item) return;
    if (!editor || !corrects || (item.conflict && !edited)) return accept();
    runStep(editor.onAccept(editorState(item)));
  };

  const pressLabel = (label: string) => {
    if (!item) return;
    if (!editor || !corrects) {
      setMessage("This project's labels are corrected in the labeling page's editor; here, accept or reject.");
      return;
    }
    runStep(editor.onLabel(editorState(item), label));
  };

  const move = (by: number) => {
    if (!page) return;
    const next = index + by;
    if (next >= 0 && next < page.items.length) setIndex(next);
    else if (next >= page.items.length && page.page * page.pageSize < page.count) {
      setFilters({ ...filters, page: filters.page + 1 });
    } else if (next < 0 && filters.page > 1) {
      setFilters({ ...filters, page: filters.page - 1 });
    }
  };

  const sendNote = () => {
    const text = (note ?? "").trim();
    if (text === "") {
      setMessage("Write a note for the annotator: it tells them what to change.");
      return;
    }
    void decide({ decision: "reject", note: text });
  };

  const runAction = (action: ReviewAction) => {
    switch (action) {
      case "accept":
        return pressAccept();
      case "reject":
        if (item) setNote("");
        return;
      case "back":
        return move(-1);
      case "forward":
        return move(1);
      case "help":
        return setHelp((h) => !h);
      case "guidelines":
        return setGuidelines((g) => !g);
      case "play":
      case "seekBack":
      case "seekForward":
      case "zoomIn":
      case "zoomOut":
      case "zoomReset":
        return runMediaAction(action, audioControls.current, imageControls.current);
    }
  };

  // The handler reads the newest state through a ref, so it is added once.
  const onKey = useRef<(e: KeyboardEvent) => void>(() => undefined);
  onKey.current = (e: KeyboardEvent) => {
    if (busy) return;
    const command = pageCommand(keymap, e, { help, guidelines, setHelp, setGuidelines });
    if (!command) return;
    if (command.kind === "label") pressLabel(command.label);
    else if (command.kind === "editor") {
      if (item && editor?.onAction) {
        const step = editor.onAction(editorState(item), command.action);
        if (step) runStep(step);
      }
    } else runAction(command.action);
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey.current(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  const format = (v: AnnotationValue) => (editor ? editor.format(v) : formatValue(v));
  const task = item ? asTask(item) : null;

  return (
    <div class="labeling review-page">
      <header class="bar">
        <a href={routeHref({ page: "label", project: project.name })}>← Labeling</a>
        <h1>Review · {project.name}</h1>
        <nav>
          <a href={routeHref({ page: "browse", project: project.name })}>Browse</a>
          <button type="button" class="link" onClick={() => setGuidelines((g) => !g)}>
            Guidelines <Kbd k={actionKey(project, "guidelines")} />
          </button>
          <button type="button" class="link" onClick={() => setHelp((h) => !h)}>
            Help <Kbd k="?" />
          </button>
        </nav>
      </header>
      <ItemFiltersBar
        filters={filters}
        view="review"
        labels={project.labels}
        annotators={annotators}
        onChange={setFilters}
      />
      <div class="layout">
        <main class="work">
          {page && (
            <p class="muted" data-testid="review-position">
              {page.count === 0
                ? "Nothing to review with these filters."
                : `Item ${(page.page - 1) * page.pageSize + index + 1} of ${page.count}`}
            </p>
          )}
          {item && task && (
            <>
              <div class="meta">
                <span data-testid="item-external-id" class="external-id">
                  {item.externalId}
                </span>
              </div>
              <ItemView
                key={item.itemId}
                api={api}
                project={project}
                task={task}
                imageControls={imageControls}
                audioControls={audioControls}
              />
              <ReviewItemDetails item={item} reasons={queueReasons(item, filters)} format={format} />
              {editor && corrects && (
                <editor.Editor
                  api={api}
                  project={project}
                  task={task}
                  draft={draft}
                  labelKeys={keymap.labelKeys}
                  onLabel={pressLabel}
                  onStep={(change) => runStep(change(editorState(item)))}
                />
              )}
              {note !== null ? (
                <form
                  class="note-form"
                  onSubmit={(e) => {
                    e.preventDefault();
                    sendNote();
                  }}
                >
                  <label>
                    Note for the annotator
                    <input
                      ref={noteField}
                      data-testid="reject-note"
                      value={note}
                      maxLength={2000}
                      placeholder="What is wrong, and what to do instead"
                      onInput={(e) => setNote((e.target as HTMLInputElement).value)}
                      onKeyDown={(e) => {
                        if (e.key === "Escape") {
                          e.stopPropagation();
                          setNote(null);
                        }
                      }}
                    />
                  </label>
                  <button type="submit" class="primary" disabled={busy}>
                    Reject <Kbd k="Enter" />
                  </button>
                  <button type="button" onClick={() => setNote(null)}>
                    Cancel <Kbd k="Escape" />
                  </button>
                </form>
              ) : (
                <div class="actions">
                  <button type="button" class="primary" data-testid="review-accept" onClick={pressAccept} disabled={busy}>
                    {edited ? "Save correction" : "Accept"} <Kbd k={actionKey({ actions: project.reviewActions }, "accept")} />
                  </button>
                  <button type="button" data-testid="review-reject" onClick={() => runAction("reject")} disabled={busy}>
                    Reject… <Kbd k={actionKey({ actions: project.reviewActions }, "reject")} />
                  </button>
                  <button type="button" onClick={() => move(-1)}>
                    Back <Kbd k={actionKey({ actions: project.reviewActions }, "back")} />
                  </button>
                  <button type="button" onClick={() => move(1)}>
                    Next <Kbd k={actionKey({ actions: project.reviewActions }, "forward")} />
                  </button>
                </div>
              )}
            </>
          )}
          {message && (
            <p class="message" role="alert" data-testid="review-message">
              {message}
            </p>
          )}
        </main>
        <aside class="panel" aria-label="Review counts">
          <section>
            <h3>Review</h3>
            <ReviewCountsTable counts={counts} />
          </section>
        </aside>
      </div>
      {help && (
        <HelpOverlay
          project={project}
          labelKeyVerb={corrects && editor ? `Correct to (${editor.labelKeyVerb.toLowerCase()})` : "—"}
          keymap={keymap}
          actions={[...project.reviewActions, ...(corrects ? project.editorActions : [])]}
          onClose={() => setHelp(false)}
        />
      )}
      {guidelines && (
        <GuidelinesDialog
          api={api}
          project={project.name}
          toggleKey={actionKey({ actions: project.reviewActions }, "guidelines")}
          canEdit={canManage}
          onClose={() => setGuidelines(false)}
        />
      )}
    </div>
  );
}

/** Items by review state. */
export function ReviewCountsTable({ counts }: { counts: ReviewCounts | null }) {
  if (!counts) return <p class="muted">—</p>;
  const rows: [string, number][] = [
    ["to review", counts.toReview],
    ["conflicts", counts.conflicts],
    ["accepted", counts.accepted],
    ["corrected", counts.corrected],
    ["rejected", counts.rejected],
    ["likely mislabeled", counts.labelIssues],
  ];
  return (
    <table class="counts" data-testid="review-counts">
      <tbody>
        {rows.map(([name, n]) => (
          <tr key={name}>
            <td>{name}</td>
            <td data-testid={`review-count-${name.replace(/ /g, "-")}`}>{n}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
