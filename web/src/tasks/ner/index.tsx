// Named-entity spans: the sentence token by token; select words with the mouse
// or the token cursor (←/→, Shift extends), label them with a label key, Delete
// removes the span under the cursor, Enter submits every span (none: "no
// entities") and accepts the pending prelabels with them.

import { useMemo } from "preact/hooks";
import type { EditorProps, EditorState, Step, TaskEditor } from "../editor";
import { LabelButtons } from "../labelButtons/LabelButtons";
import {
  acceptText,
  deleteAtCursor,
  draftOf,
  labelSelection,
  moveCursor,
  selectTokens,
  selection,
  submit,
  type Draft,
} from "./draft";
import { HistoryCell } from "./HistoryCell";
import { layoutOf, slice } from "./layout";
import { segmentsOf } from "./segments";
import { SpanText } from "./SpanText";
import { formatSpans, overlap, sameSpans, toPrelabels, toSpans } from "./spans";
import "./ner.css";

/** The server's names of the editor's keys (tasks/ner.py, SPAN_KEYS) → what they do. */
const ACTIONS: Record<string, (state: EditorState<Draft>) => Step<Draft>> = {
  token_previous: (state) => moveCursor(state, -1, false),
  token_next: (state) => moveCursor(state, 1, false),
  extend_previous: (state) => moveCursor(state, -1, true),
  extend_next: (state) => moveCursor(state, 1, true),
  delete_span: deleteAtCursor,
};

function Editor({ project, task, draft, labelKeys, onLabel, onStep }: EditorProps<Draft>) {
  const layout = layoutOf(task);
  const prelabels = useMemo(() => draft.prelabels ?? toPrelabels(task.suggestion), [draft.prelabels, task.suggestion]);
  const segments = useMemo(() => segmentsOf(layout, draft.spans, prelabels), [layout, draft.spans, prelabels]);
  const [lo, hi] = selection(draft);
  const cursorToken = layout.tokens[draft.cursor];
  const under = cursorToken
    ? [...draft.spans, ...prelabels].find((s) => overlap(s, { start: cursorToken[0], end: cursorToken[1] }))
    : undefined;
  return (
    <div class="span-editor">
      <SpanText
        labels={project.labels}
        layout={layout}
        segments={segments}
        cursor={draft.cursor}
        selected={[lo, hi]}
        onPick={(token, how) =>
          onStep(({ draft: now }) => {
            // A press starts a selection; Shift or a drag keeps its start (the anchor).
            const anchor = how === "press" ? null : (now.anchor ?? now.cursor);
            return { kind: "edit", draft: selectTokens(now, anchor, token) };
          })
        }
      />
      <p class="muted span-hint" data-testid="span-selection">
        {layout.tokens.length === 0
          ? "No words to label: Enter submits “no entities”."
          : `Selected: “${slice(layout, layout.tokens[lo][0], layout.tokens[hi][1])}”${under ? ` · on ${under.label}` : ""}`}
      </p>
      <LabelButtons
        labels={project.labels}
        labelKeys={labelKeys}
        selected={new Set(under ? [under.label] : [])}
        suggested={[]}
        toggles={false}
        onLabel={onLabel}
      />
    </div>
  );
}

export const ner: TaskEditor<Draft> = {
  name: "ner",
  description: "entity spans",
  labelKeyVerb: "Label the selection",
  showsItem: true,
  draftOf,
  onLabel: labelSelection,
  onAccept: submit,
  onAction: (state, action) => ACTIONS[action]?.(state) ?? null,
  acceptButton: (state) => ({ text: acceptText(state), enabled: true }),
  same: (a, b) => sameSpans(toSpans(a), toSpans(b)),
  format: formatSpans,
  Editor,
  HistoryCell,
};
