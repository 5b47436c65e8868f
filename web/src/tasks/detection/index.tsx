// Object detection: boxes over the image. Drag to draw a box (it gets the last
// class chosen), click to select, drag a box or its handles to move or resize
// it; a label key gives the selected box its class, Tab / Shift+Tab go through
// the boxes, the arrows nudge the selected one by a pixel of the image (Shift:
// 10), Delete removes it; Enter submits every box on screen (none: "nothing
// here") and with them the pre-annotations still pending, drawn dashed.

import type { EditorProps, EditorState, Step, TaskEditor } from "../editor";
import { LabelButtons } from "../labelButtons/LabelButtons";
import { labelColor } from "../ner/colors";
import { BoxCanvas } from "./BoxCanvas";
import { formatBoxes, formatScore, sameBoxes, toBoxes } from "./boxes";
import {
  acceptText,
  currentBoxes,
  cycle,
  deleteSelected,
  draftOf,
  imageSize,
  labelSelected,
  nudge,
  selectBox,
  submit,
  type Draft,
} from "./draft";
import { HistoryCell } from "./HistoryCell";
import "./detection.css";

/** The far nudge, in pixels of the image (Shift+arrow). */
const FAR = 10;

/** The server's names of the editor's keys (tasks/detection.py, BOX_KEYS) → what they do. */
const ACTIONS: Record<string, (state: EditorState<Draft>) => Step<Draft>> = {
  next_box: (state) => cycle(state, 1),
  previous_box: (state) => cycle(state, -1),
  nudge_left: (state) => nudge(state, -1, 0),
  nudge_right: (state) => nudge(state, 1, 0),
  nudge_up: (state) => nudge(state, 0, -1),
  nudge_down: (state) => nudge(state, 0, 1),
  nudge_left_far: (state) => nudge(state, -FAR, 0),
  nudge_right_far: (state) => nudge(state, FAR, 0),
  nudge_up_far: (state) => nudge(state, 0, -FAR),
  nudge_down_far: (state) => nudge(state, 0, FAR),
  delete_box: deleteSelected,
};

function Editor({ api, project, task, draft, labelKeys, onLabel, onStep }: EditorProps<Draft>) {
  // Going back, the draft holds the boxes given; so `given` never decides what is on screen here.
  const state = { project, task, draft, given: null };
  const boxes = currentBoxes(state);
  const selected = draft.selected !== null && boxes[draft.selected] ? draft.selected : null;
  const chosen = selected === null ? draft.nextLabel : boxes[selected].label;
  const known = typeof task.data.width === "number" && typeof task.data.height === "number" ? imageSize(state) : null;
  return (
    <div class="box-editor">
      <BoxCanvas
        api={api}
        task={task}
        labels={project.labels}
        boxes={boxes}
        selected={selected}
        knownSize={known}
        onStep={onStep}
      />
      <aside class="box-side">
        <h3>
          {boxes.length} box{boxes.length === 1 ? "" : "es"}
        </h3>
        {boxes.length === 0 && <p class="muted">Nothing drawn: Enter submits “nothing here”.</p>}
        <ol class="box-list" data-testid="box-list">
          {boxes.map((box, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a box is its place in the value; boxes have no id.
            <li key={index}>
              <button
                type="button"
                class={index === selected ? "box-row selected" : "box-row"}
                data-testid="box-row"
                aria-pressed={index === selected}
                onClick={() => onStep((now) => selectBox(now, index))}
              >
                <span class="swatch" style={{ background: labelColor(project.labels, box.label) }} />
                <span class="box-row-label">{box.label}</span>
                <small class="muted">
                  {box.source === undefined ? "yours" : `${box.source} ${formatScore(box.score)}`.trim()}
                </small>
              </button>
            </li>
          ))}
        </ol>
        <p class="muted box-hint" data-testid="box-hint">
          {selected === null
            ? `Next box: ${chosen ?? project.labels[0] ?? "—"}. Tab selects a box.`
            : "A label key changes its class; arrows move it (Shift: 10 px); Delete removes it."}
        </p>
      </aside>
      <LabelButtons
        labels={project.labels}
        labelKeys={labelKeys}
        selected={new Set(chosen ? [chosen] : [])}
        suggested={[]}
        toggles={false}
        onLabel={onLabel}
      />
    </div>
  );
}

export const detection: TaskEditor<Draft> = {
  name: "detection",
  description: "object boxes",
  labelKeyVerb: "Class of the selected box (and the next one drawn)",
  showsItem: true,
  draftOf,
  onLabel: labelSelected,
  onAccept: submit,
  onAction: (state, action) => ACTIONS[action]?.(state) ?? null,
  acceptButton: (state) => ({ text: acceptText(state), enabled: true }),
  same: (a, b) => sameBoxes(toBoxes(a), toBoxes(b)),
  format: formatBoxes,
  Editor,
  HistoryCell,
};
