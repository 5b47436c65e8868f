// The box editor's state for the image on screen and what each key, click and
// drag does to it, as plain functions (tested without a browser). Coordinates
// are relative to the image (0..1); a nudge is a whole number of the image's
// own pixels, whatever the zoom.

import type { AnnotationValue } from "../../api/models";
import type { EditorState, Step } from "../editor";
import { boxesValue, plainBox, sameBoxes, toBoxes, toSuggested, type DraftBox, type Rect } from "./boxes";
import { moveRect } from "./geometry";

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export interface Draft {
  /** The boxes on screen; null: the task's suggested boxes, untouched. */
  readonly boxes: readonly DraftBox[] | null;
  /** The selected box's place in `boxes`. */
  readonly selected: number | null;
  /** The class the next box drawn gets: the last one chosen. */
  readonly nextLabel: string | null;
  /** The image's size in pixels, once it loaded (when the item's data does not say it). */
  readonly size: ImageSize | null;
}

export type BoxState = EditorState<Draft>;

/**
 * The class chosen last, kept from one image to the next: the next box drawn
 * on any image of the project gets it. Per project name.
 */
const lastClass = new Map<string, string>();

/** Forget the classes chosen (tests). */
export function forgetClasses(): void {
  lastClass.clear();
}

/** A fresh draft: the suggestion pending (null), or the boxes given earlier. */
export function draftOf(given: AnnotationValue | null): Draft {
  return { boxes: given === null ? null : toBoxes(given), selected: null, nextLabel: null, size: null };
}

/** The boxes on screen: the draft's, else the pre-annotations (none when going back). */
export function currentBoxes({ task, draft, given }: BoxState): readonly DraftBox[] {
  if (draft.boxes !== null) return draft.boxes;
  return given === null ? toSuggested(task.suggestion) : [];
}

/** The image's size in pixels: the item's data (width, height), else as loaded; null before both. */
export function imageSize({ task, draft }: BoxState): ImageSize | null {
  const { width, height } = task.data;
  if (typeof width === "number" && typeof height === "number" && width > 0 && height > 0) return { width, height };
  return draft.size;
}

/** The class a new box gets: the last chosen (on this image or before), else the first label. */
export function labelForNewBox({ project, draft }: BoxState): string {
  const remembered = draft.nextLabel ?? lastClass.get(project.name) ?? null;
  return remembered !== null && project.labels.includes(remembered) ? remembered : (project.labels[0] ?? "");
}

function edit(draft: Draft): Step<Draft> {
  return { kind: "edit", draft };
}

function withBoxes(state: BoxState, boxes: readonly DraftBox[], selected: number | null): Step<Draft> {
  return edit({ ...state.draft, boxes, selected });
}

/** A box changed by the person: a pre-annotation loses its source (it is theirs now). */
function changed(box: DraftBox, change: Partial<DraftBox>): DraftBox {
  return plainBox({ ...box, ...change });
}

/** A box drawn on the image: it gets the remembered class and is selected. */
export function addBox(state: BoxState, rect: Rect): Step<Draft> {
  if (state.project.labels.length === 0) return { kind: "refuse", message: "This project has no classes to give a box." };
  const boxes = [...currentBoxes(state), plainBox({ ...rect, label: labelForNewBox(state) })];
  return withBoxes(state, boxes, boxes.length - 1);
}

/** Select the box at `index` (null: none). */
export function selectBox(state: BoxState, index: number | null): Step<Draft> {
  const count = currentBoxes(state).length;
  return edit({ ...state.draft, selected: index !== null && index >= 0 && index < count ? index : null });
}

/** The box at `index` given a new place or size (a drag, a handle), and selected. */
export function placeBox(state: BoxState, index: number, rect: Rect): Step<Draft> {
  const boxes = [...currentBoxes(state)];
  const box = boxes[index];
  if (!box) return { kind: "refuse", message: "That box is no longer on the image." };
  const same = box.x === rect.x && box.y === rect.y && box.w === rect.w && box.h === rect.h;
  if (!same) boxes[index] = changed(box, rect);
  return withBoxes(state, boxes, index);
}

/** Tab (+1) and Shift+Tab (-1): the next or previous box, round the list. */
export function cycle(state: BoxState, delta: number): Step<Draft> {
  const count = currentBoxes(state).length;
  if (count === 0) return { kind: "refuse", message: "There is no box to select: draw one by dragging on the image." };
  const from = state.draft.selected;
  const next = from === null ? (delta > 0 ? 0 : count - 1) : (from + delta + count) % count;
  return edit({ ...state.draft, selected: next });
}

/** An arrow key: the selected box moved by (dx, dy) pixels of the image. */
export function nudge(state: BoxState, dx: number, dy: number): Step<Draft> {
  const boxes = currentBoxes(state);
  const index = state.draft.selected;
  const box = index === null ? undefined : boxes[index];
  if (index === null || !box) {
    return { kind: "refuse", message: "Select a box first (Tab, or click it) to move it with the arrows." };
  }
  const size = imageSize(state);
  if (size === null) return { kind: "refuse", message: "The image has not loaded yet." };
  return placeBox(state, index, moveRect(box, dx / size.width, dy / size.height));
}

/** Delete: the selected box (the person's or a pre-annotation) removed. */
export function deleteSelected(state: BoxState): Step<Draft> {
  const boxes = currentBoxes(state);
  const index = state.draft.selected;
  if (index === null || !boxes[index]) return { kind: "refuse", message: "Select a box first (Tab, or click it) to delete it." };
  const rest = boxes.filter((_, i) => i !== index);
  return withBoxes(state, rest, rest.length === 0 ? null : Math.min(index, rest.length - 1));
}

/**
 * A label key (or button): the selected box gets that class; with none
 * selected, the next box drawn will. Either way the class is remembered.
 */
export function labelSelected(state: BoxState, label: string): Step<Draft> {
  lastClass.set(state.project.name, label);
  const boxes = currentBoxes(state);
  const index = state.draft.selected;
  const box = index === null ? undefined : boxes[index];
  if (index === null || !box) return edit({ ...state.draft, nextLabel: label });
  const next = [...boxes];
  if (box.label !== label || box.source !== undefined) next[index] = changed(box, { label });
  return edit({ ...state.draft, boxes: next, selected: index, nextLabel: label });
}

/** The image's size as loaded, for an item whose data does not say it. */
export function setSize(state: BoxState, size: ImageSize): Step<Draft> {
  return edit({ ...state.draft, size });
}

/**
 * Enter: submit every box on screen, pre-annotations included, without their
 * source and score (an empty list says "nothing here"). It accepts the
 * suggestion when what is sent is exactly what was suggested.
 */
export function submit(state: BoxState): Step<Draft> {
  const boxes = currentBoxes(state).map(plainBox);
  const suggested = state.task.suggestion ? toBoxes(state.task.suggestion.value) : null;
  const accepted = state.given === null && suggested !== null && sameBoxes(boxes, suggested);
  return { kind: "submit", value: boxesValue(boxes), acceptedSuggestion: accepted };
}

/** The main button's words. */
export function acceptText(state: BoxState): string {
  if (state.given !== null) return "Save boxes";
  const boxes = currentBoxes(state);
  const pending = boxes.filter((b) => b.source !== undefined).length;
  if (boxes.length === 0) return "Submit: nothing here";
  if (pending === boxes.length) return pending === 1 ? "Accept the suggested box" : `Accept ${pending} suggested boxes`;
  return `Submit ${boxes.length} box${boxes.length === 1 ? "" : "es"}`;
}
