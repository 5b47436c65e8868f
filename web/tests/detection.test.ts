import { beforeEach, describe, expect, it } from "vitest";
import { toProject, toTask } from "../src/api/mapping";
import type { AnnotationValue, Project, Task } from "../src/api/models";
import { buildKeymap, commandFor, displayKey } from "../src/lib/keymap";
import { editorFor, type EditorState, type Step, type TaskEditor } from "../src/tasks";
import { formatBoxes, sameBoxes, toBoxes, toSuggested } from "../src/tasks/detection/boxes";
import { currentBoxes, forgetClasses, placeBox, selectBox, addBox, type Draft } from "../src/tasks/detection/draft";
import { moveRect, rectBetween, resizeRect } from "../src/tasks/detection/geometry";

// The actions as the server sends them for a box project (keymap.py: the
// editor's keys win, back and forward move to Page Up / Page Down).
const ACTIONS = [
  { action: "accept", keys: ["Enter"], description: "Accept" },
  { action: "skip", keys: ["Space", "s"], description: "Skip this item" },
  { action: "undo", keys: ["Backspace", "z"], description: "Undo the last label" },
  { action: "back", keys: ["PageUp"], description: "Back through labeled items" },
  { action: "forward", keys: ["PageDown"], description: "Forward through labeled items" },
  { action: "zoom_in", keys: ["+", "="], description: "Zoom in" },
  { action: "next_box", keys: ["Tab"], description: "Select the next box" },
  { action: "previous_box", keys: ["Shift+Tab"], description: "Select the previous box" },
  { action: "nudge_left", keys: ["ArrowLeft"], description: "Left 1 px" },
  { action: "nudge_right", keys: ["ArrowRight"], description: "Right 1 px" },
  { action: "nudge_up", keys: ["ArrowUp"], description: "Up 1 px" },
  { action: "nudge_down", keys: ["ArrowDown"], description: "Down 1 px" },
  { action: "nudge_left_far", keys: ["Shift+ArrowLeft"], description: "Left 10 px" },
  { action: "nudge_right_far", keys: ["Shift+ArrowRight"], description: "Right 10 px" },
  { action: "nudge_up_far", keys: ["Shift+ArrowUp"], description: "Up 10 px" },
  { action: "nudge_down_far", keys: ["Shift+ArrowDown"], description: "Down 10 px" },
  { action: "delete_box", keys: ["Delete"], description: "Remove the selected box" },
];

function boxProject(labels = ["cat", "dog", "person"]): Project {
  return toProject({
    name: "pets",
    task: "detection",
    editor: "detection",
    modality: "image",
    labels,
    keys: Object.fromEntries(labels.map((label, i) => [label, String(i + 1)])),
    actions: ACTIONS,
    reserved_keys: ["Enter", "Space", "Tab", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Delete", "PageUp"],
    text_column: null,
    retrain_every: 10,
    overlap: 1,
    items: 0,
    labeled_items: 0,
  });
}

function boxTask(options: { suggestion?: AnnotationValue; confidence?: number; width?: number; height?: number } = {}): Task {
  return toTask({
    item_id: 3,
    external_id: "images/a.jpg",
    data: { path: "images/a.jpg", width: options.width ?? 400, height: options.height ?? 200 },
    text: null,
    media_url: "/api/v1/projects/pets/items/3/media",
    suggestion: options.suggestion === undefined ? null : { label: options.suggestion, confidence: options.confidence ?? 0.9 },
    source: { kind: "active_learning", session_id: 1, strategy: "least_confident_box", score: 0.4 },
    lease_expires_at: "2026-01-01T00:00:00Z",
    layout: null,
  });
}

const editor = editorFor({ editor: "detection" }) as unknown as TaskEditor<Draft>;

class Session {
  state: EditorState<Draft>;
  sent: Step<Draft>[] = [];
  constructor(task: Task, project = boxProject(), given: AnnotationValue | null = null) {
    this.state = { project, task, draft: editor.draftOf(given), given };
  }
  apply(step: Step<Draft> | null): Step<Draft> {
    if (step === null) throw new Error("the editor did nothing with that action");
    if (step.kind === "edit") this.state = { ...this.state, draft: step.draft };
    else this.sent.push(step);
    return step;
  }
  action(name: string): Step<Draft> {
    return this.apply(editor.onAction?.(this.state, name) ?? null);
  }
  label(label: string): Step<Draft> {
    return this.apply(editor.onLabel(this.state, label));
  }
  draw(x0: number, y0: number, x1: number, y1: number): Step<Draft> {
    return this.apply(addBox(this.state, rectBetween({ x: x0, y: y0 }, { x: x1, y: y1 })));
  }
  boxes() {
    return currentBoxes(this.state);
  }
  enter(): Step<Draft> {
    return this.apply(editor.onAccept(this.state));
  }
}

beforeEach(() => forgetClasses());

describe("the detection editor", () => {
  it("is registered under the server's editor name and draws the item itself", () => {
    expect(editor.name).toBe("detection");
    expect(editor.showsItem).toBe(true);
  });

  it("draws boxes with the last class chosen, relabels the selected one and submits them", () => {
    const s = new Session(boxTask());
    s.draw(0.1, 0.1, 0.3, 0.4);
    expect(s.boxes()[0].label).toBe("cat"); // nothing chosen yet: the first class
    s.label("dog");
    s.draw(0.5, 0.5, 0.7, 0.9);
    expect(s.boxes().map((b) => b.label)).toEqual(["dog", "dog"]);
    expect(s.state.draft.selected).toBe(1);
    s.action("previous_box");
    s.label("person");
    expect(s.boxes().map((b) => b.label)).toEqual(["person", "dog"]);
    const step = s.enter();
    expect(step).toEqual({
      kind: "submit",
      value: [
        { x: 0.1, y: 0.1, w: 0.2, h: 0.3, label: "person" },
        { x: 0.5, y: 0.5, w: 0.2, h: 0.4, label: "dog" },
      ],
      acceptedSuggestion: false,
    });
  });

  it("remembers the class for the next image of the project", () => {
    const first = new Session(boxTask());
    first.label("dog");
    const next = new Session(boxTask());
    next.draw(0.2, 0.2, 0.4, 0.4);
    expect(next.boxes()[0].label).toBe("dog");
  });

  it("nudges by one image pixel, ten with Shift, and stops at the edge", () => {
    const s = new Session(boxTask({ width: 400, height: 200 }));
    s.draw(0.5, 0.5, 0.75, 0.75);
    s.action("nudge_right");
    expect(s.boxes()[0].x).toBeCloseTo(0.5 + 1 / 400, 9);
    s.action("nudge_up_far");
    expect(s.boxes()[0].y).toBeCloseTo(0.5 - 10 / 200, 9);
    for (let i = 0; i < 30; i++) s.action("nudge_right_far");
    expect(s.boxes()[0].x + s.boxes()[0].w).toBeCloseTo(1, 9);
    expect(s.boxes()[0].w).toBeCloseTo(0.25, 9);
  });

  it("refuses to nudge or delete with no box selected", () => {
    const s = new Session(boxTask());
    expect(s.action("nudge_left").kind).toBe("refuse");
    expect(s.action("delete_box").kind).toBe("refuse");
    expect(s.action("next_box").kind).toBe("refuse");
  });

  it("cycles with Tab round the list and deletes the selected box", () => {
    const s = new Session(boxTask());
    s.draw(0.1, 0.1, 0.2, 0.2);
    s.draw(0.3, 0.3, 0.4, 0.4);
    s.draw(0.5, 0.5, 0.6, 0.6);
    s.apply(selectBox(s.state, null));
    s.action("next_box");
    expect(s.state.draft.selected).toBe(0);
    s.action("previous_box");
    expect(s.state.draft.selected).toBe(2);
    s.action("next_box");
    expect(s.state.draft.selected).toBe(0);
    s.action("delete_box");
    expect(s.boxes().map((b) => b.x)).toEqual([0.3, 0.5]);
    expect(s.state.draft.selected).toBe(0);
  });

  it("submits an empty list as a label: nothing here", () => {
    const s = new Session(boxTask());
    expect(editor.acceptButton(s.state).text).toBe("Submit: nothing here");
    expect(s.enter()).toEqual({ kind: "submit", value: [], acceptedSuggestion: false });
  });
});

describe("pre-annotations", () => {
  const suggestion: AnnotationValue = [
    { x: 0.1, y: 0.2, w: 0.3, h: 0.4, label: "cat", source: "prediction", score: 0.8 },
    { x: 0.5, y: 0.5, w: 0.2, h: 0.2, label: "dog", source: "prediction" },
  ];

  it("are shown with their source and score (the suggestion's confidence when a box has none)", () => {
    const pre = toSuggested({ value: suggestion, confidence: 0.6 });
    expect(pre.map((b) => [b.label, b.source, b.score])).toEqual([
      ["cat", "prediction", 0.8],
      ["dog", "prediction", 0.6],
    ]);
  });

  it("are accepted all at once with Enter, without their source and score", () => {
    const s = new Session(boxTask({ suggestion }));
    expect(editor.acceptButton(s.state).text).toBe("Accept 2 suggested boxes");
    expect(s.enter()).toEqual({
      kind: "submit",
      value: [
        { x: 0.1, y: 0.2, w: 0.3, h: 0.4, label: "cat" },
        { x: 0.5, y: 0.5, w: 0.2, h: 0.2, label: "dog" },
      ],
      acceptedSuggestion: true,
    });
  });

  it("become the person's when changed: relabeled, moved, deleted; the submit then is not an acceptance", () => {
    const s = new Session(boxTask({ suggestion }));
    s.action("next_box");
    s.label("person");
    expect(s.boxes()[0]).toEqual({ x: 0.1, y: 0.2, w: 0.3, h: 0.4, label: "person" });
    expect(s.boxes()[1].source).toBe("prediction");
    s.action("next_box");
    s.apply(placeBox(s.state, 1, moveRect(s.boxes()[1], 0.1, 0)));
    expect(s.boxes()[1].source).toBeUndefined();
    expect(s.boxes()[1].x).toBeCloseTo(0.6, 9);
    s.action("delete_box");
    const step = s.enter();
    expect(step).toEqual({ kind: "submit", value: [{ x: 0.1, y: 0.2, w: 0.3, h: 0.4, label: "person" }], acceptedSuggestion: false });
  });

  it("are not shown when going back to a label given", () => {
    const given = [{ x: 0.2, y: 0.2, w: 0.1, h: 0.1, label: "dog" }];
    const s = new Session(boxTask({ suggestion }), boxProject(), given);
    expect(s.boxes()).toEqual(given);
    expect(editor.acceptButton(s.state).text).toBe("Save boxes");
    expect(s.enter()).toMatchObject({ value: given, acceptedSuggestion: false });
  });
});

describe("box geometry and values", () => {
  it("turns a resize over when it crosses the opposite edge and keeps boxes inside the image", () => {
    const box = { x: 0.2, y: 0.2, w: 0.2, h: 0.2 };
    const grown = resizeRect(box, "se", 0.1, 0.1);
    expect([grown.x, grown.y]).toEqual([0.2, 0.2]);
    expect(grown.w).toBeCloseTo(0.3, 9);
    expect(grown.h).toBeCloseTo(0.3, 9);
    const flipped = resizeRect(box, "e", -0.3, 0);
    expect(flipped.x).toBeCloseTo(0.1, 9);
    expect(flipped.w).toBeCloseTo(0.1, 9);
    expect(resizeRect(box, "nw", -0.5, -0.5)).toEqual({ x: 0, y: 0, w: 0.4, h: 0.4 });
    expect(moveRect(box, 0.9, -0.9)).toEqual({ x: 0.8, y: 0, w: 0.2, h: 0.2 });
  });

  it("reads only well-formed boxes and compares them within a millionth, in any order", () => {
    expect(toBoxes([{ x: 0, y: 0, w: 0, h: 0.1, label: "cat" }, { x: 0, y: 0, w: 0.1, h: 0.1 }, "x"])).toEqual([]);
    const a = [
      { x: 0.1, y: 0.1, w: 0.2, h: 0.2, label: "cat" },
      { x: 0.5, y: 0.5, w: 0.2, h: 0.2, label: "dog" },
    ];
    const b = [
      { x: 0.5, y: 0.5, w: 0.2 + 1e-8, h: 0.2, label: "dog" },
      { x: 0.1, y: 0.1, w: 0.2, h: 0.2, label: "cat" },
    ];
    expect(sameBoxes(a, b)).toBe(true);
    expect(sameBoxes(a, [a[0], { ...a[1], label: "cat" }])).toBe(false);
    expect(editor.same(a, b)).toBe(true);
  });

  it("formats a value on one line", () => {
    expect(formatBoxes([])).toBe("no boxes");
    expect(
      formatBoxes([
        { x: 0.1, y: 0.1, w: 0.2, h: 0.2, label: "cat", source: "model", score: 0.5 },
        { x: 0.5, y: 0.5, w: 0.2, h: 0.2, label: "cat", source: "model", score: 0.7 },
        { x: 0.2, y: 0.5, w: 0.2, h: 0.2, label: "dog", source: "model", score: 0.9 },
      ]),
    ).toBe("3 boxes: cat ×2, dog (model)");
  });
});

describe("the box project's keys", () => {
  it("hands Tab, the arrows and Delete to the editor and back/forward to Page Up/Down", () => {
    const keymap = buildKeymap(boxProject());
    expect(commandFor(keymap, { key: "Tab", shiftKey: false })).toEqual({ kind: "editor", action: "next_box" });
    expect(commandFor(keymap, { key: "Tab", shiftKey: true })).toEqual({ kind: "editor", action: "previous_box" });
    expect(commandFor(keymap, { key: "ArrowUp", shiftKey: true })).toEqual({ kind: "editor", action: "nudge_up_far" });
    expect(commandFor(keymap, { key: "PageUp", shiftKey: false })).toEqual({ kind: "action", action: "back" });
    expect(commandFor(keymap, { key: "2", shiftKey: false })).toEqual({ kind: "label", label: "dog" });
    expect(displayKey("PageDown")).toBe("PgDn");
  });
});
