import { describe, expect, it } from "vitest";
import { toProject } from "../src/api/mapping";
import type { AnnotationValue, Project, Task } from "../src/api/models";
import type { ProjectRaw } from "../src/api/types";
import { buildKeymap } from "../src/lib/keymap";
import { describeTask, editorFor, editorNames, noEditorSentence, type Step, type TaskEditor } from "../src/tasks";

const ACTIONS = [
  { action: "accept", keys: ["Enter"], description: "Accept the suggestion" },
  { action: "skip", keys: ["Space"], description: "Skip this item" },
];

function project(task: string, labels: string[], extra: Partial<ProjectRaw> = {}): Project {
  return toProject({
    name: "p",
    task,
    editor: task,
    modality: "text",
    labels,
    keys: Object.fromEntries(labels.map((label, i) => [label, String(i + 1)])),
    actions: ACTIONS,
    reserved_keys: ["Enter", "Space"],
    text_column: "text",
    retrain_every: 10,
    overlap: 1,
    items: 0,
    labeled_items: 0,
    ...extra,
  });
}

function task(suggestion: AnnotationValue | null = null): Task {
  return {
    itemId: 1,
    externalId: "a",
    data: {},
    text: "hello",
    mediaUrl: null,
    suggestion: suggestion === null ? null : { value: suggestion, confidence: 0.9 },
    source: null,
    layout: null,
  };
}

function editorOf(p: Project): TaskEditor {
  const editor = editorFor(p);
  if (!editor) throw new Error(`no editor for ${p.editor}`);
  return editor;
}

/** Press the keys in turn on one item, as the page does; the last step is returned. */
function press(p: Project, keys: string[], on: Task = task(), given: AnnotationValue | null = null): Step<unknown> {
  const editor = editorOf(p);
  const keymap = buildKeymap(p);
  let draft = editor.draftOf(given);
  let step: Step<unknown> = { kind: "edit", draft };
  for (const key of keys) {
    const command = keymap.commands.get(key);
    if (!command) throw new Error(`key ${key} does nothing`);
    const state = { project: p, task: on, draft, given };
    step = command.kind === "label" ? editor.onLabel(state, command.label) : editor.onAccept(state);
    if (step.kind === "edit") draft = step.draft;
  }
  return step;
}

describe("the task editors' registry", () => {
  it("has an editor for every task kind, each under its own name", () => {
    expect(editorNames().sort()).toEqual(["classification", "detection", "multilabel", "ner"]);
    expect(editorFor(project("detection", ["cat"]))?.name).toBe("detection");
    expect(editorFor(project("classification", ["a"]))?.name).toBe("classification");
    expect(editorFor(project("multilabel", ["a"]))?.name).toBe("multilabel");
    expect(editorFor(project("ner", ["PER"]))?.name).toBe("ner");
  });

  it("has none for a task kind it does not know: the page says so in a sentence", () => {
    for (const kind of ["segmentation"]) {
      const p = project(kind, ["PER", "LOC"]);
      expect(editorFor(p)).toBeNull();
      expect(noEditorSentence(p)).toBe(
        `This project's task (${kind}) has no editor in this version of the page; label it through the API or import labels.`,
      );
      expect(describeTask(p)).toBe(kind);
    }
  });

  it("takes the editor the server names, and the task's when an older server names none", () => {
    const raw: Partial<ProjectRaw> = { editor: undefined };
    expect(project("multilabel", ["a"], raw).editor).toBe("multilabel");
    expect(project("classification", ["a"], { editor: "multilabel" }).editor).toBe("multilabel");
  });

  it("leaves the server's actions the page does not run to the editor, keys and all", () => {
    const p = project("ner", ["PER"], {
      actions: [...ACTIONS, { action: "delete_span", keys: ["Delete"], description: "Delete the span" }],
    });
    expect(p.actions.map((a) => a.action)).toEqual(["accept", "skip"]);
    expect(p.editorActions).toEqual([{ action: "delete_span", keys: ["Delete"], description: "Delete the span" }]);
    expect(buildKeymap(p).commands.get("Delete")).toEqual({ kind: "editor", action: "delete_span" });
    expect(editorFor(project("classification", ["a"]))?.onAction).toBeUndefined();
  });

  it("describes each task kind in the project list", () => {
    expect(describeTask(project("classification", ["a"]))).toBe("single-label");
    expect(describeTask(project("multilabel", ["a"]))).toBe("multi-label");
    expect(describeTask(project("ner", ["PER"]))).toBe("entity spans");
    expect(describeTask(project("detection", ["cat"]))).toBe("object boxes");
  });
});

describe("classification", () => {
  const p = project("classification", ["ham", "spam"]);
  const editor = editorOf(p);

  it("labels the item with the label of the key pressed", () => {
    expect(press(p, ["2"])).toEqual({ kind: "submit", value: "spam", acceptedSuggestion: false });
  });

  it("accepts the model's suggestion with Enter", () => {
    expect(press(p, ["Enter"], task("ham"))).toEqual({ kind: "submit", value: "ham", acceptedSuggestion: true });
  });

  it("refuses Enter without a suggestion", () => {
    expect(press(p, ["Enter"])).toEqual({ kind: "refuse", message: "No suggestion for this item yet." });
    expect(editor.acceptButton({ project: p, task: task(), draft: editor.draftOf(null), given: null })).toEqual({
      text: "Accept suggestion",
      enabled: false,
    });
  });

  it("going back: a key changes the label, Enter moves on", () => {
    expect(press(p, ["1"], task(), "spam")).toEqual({ kind: "submit", value: "ham", acceptedSuggestion: false });
    expect(press(p, ["Enter"], task("spam"), "spam")).toEqual({ kind: "forward" });
    expect(editor.draftOf("spam")).toEqual(new Set(["spam"]));
  });

  it("shows and compares values as labels", () => {
    expect(editor.format("spam")).toBe("spam");
    expect(editor.same("spam", "spam")).toBe(true);
    expect(editor.same("spam", "ham")).toBe(false);
  });
});

describe("multilabel", () => {
  const p = project("multilabel", ["urgent", "billing", "bug"]);
  const editor = editorOf(p);

  it("toggles labels with their keys and submits them in the project's order", () => {
    expect(press(p, ["3", "1"])).toEqual({ kind: "edit", draft: new Set(["bug", "urgent"]) });
    expect(press(p, ["3", "1", "3", "2", "Enter"])).toEqual({
      kind: "submit",
      value: ["urgent", "billing"],
      acceptedSuggestion: false,
    });
  });

  it("accepts the model's suggestion with Enter when nothing is toggled", () => {
    expect(press(p, ["Enter"], task(["bug"]))).toEqual({ kind: "submit", value: ["bug"], acceptedSuggestion: true });
  });

  it("counts toggling exactly the suggested labels as accepting the suggestion", () => {
    expect(press(p, ["3", "1", "Enter"], task(["urgent", "bug"]))).toEqual({
      kind: "submit",
      value: ["urgent", "bug"],
      acceptedSuggestion: true,
    });
  });

  it("refuses Enter with nothing toggled and no suggestion", () => {
    expect(press(p, ["Enter"])).toEqual({ kind: "refuse", message: "No suggestion for this item yet." });
  });

  it("going back: starts from the labels given, and Enter saves even none", () => {
    expect(press(p, ["2", "Enter"], task(), ["urgent", "billing"])).toEqual({
      kind: "submit",
      value: ["urgent"],
      acceptedSuggestion: false,
    });
    expect(press(p, ["1", "Enter"], task(), ["urgent"])).toEqual({ kind: "submit", value: [], acceptedSuggestion: false });
    expect(editor.acceptButton({ project: p, task: task(), draft: editor.draftOf(["bug"]), given: ["bug"] })).toEqual({
      text: "Save",
      enabled: true,
    });
  });

  it("shows and compares values as sets of labels", () => {
    expect(editor.format(["urgent", "bug"])).toBe("urgent, bug");
    expect(editor.format([])).toBe("(none)");
    expect(editor.same(["bug", "urgent"], ["urgent", "bug"])).toBe(true);
    expect(editor.same(["bug"], ["urgent", "bug"])).toBe(false);
  });
});
