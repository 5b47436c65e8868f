import { describe, expect, it } from "vitest";
import { toProject, toTask } from "../src/api/mapping";
import type { AnnotationValue, Project, Task } from "../src/api/models";
import { buildKeymap, commandFor, displayKey } from "../src/lib/keymap";
import { editorFor, type Step, type TaskEditor } from "../src/tasks";
import { describeSpans } from "../src/tasks/ner/HistoryCell";
import type { Draft } from "../src/tasks/ner/draft";
import { layoutOf, tokenRange, tokenizeWhitespace, unitIndex } from "../src/tasks/ner/layout";
import { segmentsOf, type Segment } from "../src/tasks/ner/segments";
import { toPrelabels } from "../src/tasks/ner/spans";

// The actions as the server sends them for a span project (keymap.py: the
// editor's keys win, back and forward move to ↑/↓).
const ACTIONS = [
  { action: "accept", keys: ["Enter"], description: "Accept" },
  { action: "skip", keys: ["Space", "s"], description: "Skip this item" },
  { action: "undo", keys: ["Backspace", "z"], description: "Undo the last label" },
  { action: "back", keys: ["ArrowUp"], description: "Back through labeled items" },
  { action: "forward", keys: ["ArrowDown"], description: "Forward through labeled items" },
  { action: "token_previous", keys: ["ArrowLeft"], description: "Move the token cursor back" },
  { action: "token_next", keys: ["ArrowRight"], description: "Move the token cursor on" },
  { action: "extend_previous", keys: ["Shift+ArrowLeft"], description: "Extend back" },
  { action: "extend_next", keys: ["Shift+ArrowRight"], description: "Extend on" },
  { action: "delete_span", keys: ["Delete"], description: "Remove the span under the cursor" },
];

function nerProject(labels = ["PER", "LOC", "ORG"]): Project {
  return toProject({
    name: "news",
    task: "ner",
    editor: "ner",
    modality: "text",
    labels,
    keys: Object.fromEntries(labels.map((label, i) => [label, String(i + 1)])),
    actions: ACTIONS,
    reserved_keys: ["Enter", "Space", "ArrowLeft", "ArrowRight", "Delete"],
    text_column: "text",
    retrain_every: 10,
    overlap: 1,
    items: 0,
    labeled_items: 0,
  });
}

function nerTask(
  text: string,
  options: { suggestion?: AnnotationValue; direction?: "ltr" | "rtl"; tokens?: [number, number][] } = {},
): Task {
  return toTask({
    item_id: 7,
    external_id: "s7",
    data: { text },
    text,
    media_url: null,
    suggestion: options.suggestion === undefined ? null : { label: options.suggestion, confidence: 0.8 },
    source: { kind: "random", session_id: 1, strategy: "random", score: null },
    lease_expires_at: "2026-01-01T00:00:00Z",
    layout: { direction: options.direction ?? "ltr", tokens: options.tokens ?? tokenizeWhitespace(text).map(([s, e]) => [s, e]) },
  });
}

const project = nerProject();

function nerEditor(): TaskEditor<Draft> {
  const editor = editorFor(project);
  if (!editor) throw new Error("no ner editor");
  return editor as unknown as TaskEditor<Draft>;
}

interface Run {
  step: Step<Draft>;
  draft: Draft;
  refused: string[];
}

/** Press keys (KeyboardEvent.key, "Shift+" for a held Shift) on one item, as the page does. */
function press(task: Task, keys: string[], given: AnnotationValue | null = null, start?: Draft): Run {
  const editor = nerEditor();
  const keymap = buildKeymap(project);
  let draft = start ?? editor.draftOf(given);
  let step: Step<Draft> = { kind: "edit", draft };
  const refused: string[] = [];
  for (const key of keys) {
    const shift = key.startsWith("Shift+");
    const command = commandFor(keymap, { key: shift ? key.slice(6) : key, shiftKey: shift });
    if (!command) throw new Error(`key ${key} does nothing`);
    const state = { project, task, draft, given };
    if (command.kind === "label") step = editor.onLabel(state, command.label);
    else if (command.kind === "editor") step = editor.onAction?.(state, command.action) ?? step;
    else if (command.action === "accept") step = editor.onAccept(state);
    else throw new Error(`key ${key} is the page's ${command.action}`);
    if (step.kind === "edit") draft = step.draft;
    if (step.kind === "refuse") refused.push(step.message);
  }
  return { step, draft, refused };
}

const ADA = "Ada Lovelace met Charles Babbage in London .";
// tokens:  0 Ada 1 Lovelace 2 met 3 Charles 4 Babbage 5 in 6 London 7 .

describe("the span editor's tokens", () => {
  it("splits text as the server's whitespace tokenization does: words, inner marks joined, punctuation alone", () => {
    const text = "Don't go to the U.S. state-of-the-art lab, Paris.";
    const words = tokenizeWhitespace(text).map(([s, e]) => text.slice(s, e));
    expect(words).toEqual(["Don't", "go", "to", "the", "U.S", ".", "state-of-the-art", "lab", ",", "Paris", "."]);
  });

  it("counts offsets in code points, as the server does, even past an emoji", () => {
    const text = "🙂 Ada in Paris";
    const tokens = tokenizeWhitespace(text);
    expect(tokens).toEqual([[0, 1], [2, 5], [6, 8], [9, 14]]);
    const unit = unitIndex(text);
    expect(text.slice(unit(9), unit(14))).toBe("Paris");
    expect(layoutOf(nerTask(text, { tokens: tokens.map(([s, e]) => [s, e]) })).length).toBe(14);
  });

  it("finds the tokens a span touches", () => {
    const tokens = tokenizeWhitespace(ADA);
    expect(tokenRange(tokens, { start: 0, end: 12 })).toEqual([0, 1]);
    expect(tokenRange(tokens, { start: 36, end: 42 })).toEqual([6, 6]);
    expect(tokenRange(tokens, { start: 3, end: 4 })).toBeNull();
    // Inside a token, across a gap, past the end, on the last token.
    expect(tokenRange(tokens, { start: 5, end: 6 })).toEqual([1, 1]);
    expect(tokenRange(tokens, { start: 2, end: 5 })).toEqual([0, 1]);
    expect(tokenRange(tokens, { start: 50, end: 60 })).toBeNull();
    expect(tokenRange(tokens, { start: 43, end: 44 })).toEqual([7, 7]);
    expect(tokenRange([], { start: 0, end: 1 })).toBeNull();
  });

  it("cuts the sentence into tokens, gaps and highlights that put the text back together exactly", () => {
    const layout = layoutOf(nerTask(`  ${ADA}\n`));
    const shifted = (s: number, e: number, label: string) => ({ start: s + 2, end: e + 2, label });
    const segments = segmentsOf(layout, [shifted(0, 12, "PER")], [
      { ...shifted(36, 42, "LOC"), source: "dictionary", confidence: null },
      // overlaps the PER span: left out
      { ...shifted(4, 16, "ORG"), source: "model", confidence: 0.4 },
    ]);
    const text = (s: Segment): string => (s.kind === "mark" ? s.pieces.map(text).join("") : s.text);
    expect(segments.map(text).join("")).toBe(`  ${ADA}\n`);
    const marks = segments.filter((s) => s.kind === "mark");
    expect(marks.map((m) => [m.span.label, m.first, m.last, m.prelabel?.source ?? "own"])).toEqual([
      ["PER", 0, 1, "own"],
      ["LOC", 6, 6, "dictionary"],
    ]);
  });
});

describe("the span editor by keyboard", () => {
  const task = nerTask(ADA);

  it("moves the token cursor, extends with Shift and labels the selection", () => {
    const run = press(task, ["Shift+ArrowRight", "1", "ArrowRight", "ArrowRight", "Shift+ArrowRight", "3"]);
    expect(run.refused).toEqual([]);
    expect(run.draft.spans).toEqual([
      { start: 0, end: 12, label: "PER" },
      { start: 17, end: 32, label: "ORG" },
    ]);
    expect(press(task, ["Shift+ArrowRight", "1", "Enter"]).step).toEqual({
      kind: "submit",
      value: [{ start: 0, end: 12, label: "PER" }],
      acceptedSuggestion: false,
    });
  });

  it("keeps the cursor inside the sentence", () => {
    const run = press(task, ["ArrowLeft", "ArrowLeft", ...Array(20).fill("ArrowRight")]);
    expect(run.draft.cursor).toBe(7);
    expect(press(task, ["ArrowLeft"]).draft.cursor).toBe(0);
  });

  it("extends backwards from the cursor too", () => {
    const run = press(task, ["ArrowRight", "ArrowRight", "ArrowRight", "ArrowRight", "Shift+ArrowLeft", "3"]);
    expect(run.draft.spans).toEqual([{ start: 17, end: 32, label: "ORG" }]);
  });

  it("changes the label of the span under the cursor and deletes it with Delete", () => {
    const labeled = press(task, ["Shift+ArrowRight", "1", "ArrowLeft", "2"]);
    expect(labeled.draft.spans).toEqual([{ start: 0, end: 12, label: "LOC" }]);
    const deleted = press(task, ["Shift+ArrowRight", "1", "ArrowLeft", "Delete", "Enter"]);
    expect(deleted.step).toEqual({ kind: "submit", value: [], acceptedSuggestion: false });
  });

  it("refuses a selection that overlaps a span, saying which, and keeps the spans", () => {
    const run = press(task, ["Shift+ArrowRight", "1", "Shift+ArrowRight", "2"]);
    expect(run.refused).toEqual([
      "The selection “Lovelace met” (LOC) overlaps the span “Ada Lovelace” (PER); spans cannot overlap. " +
        "Delete that one first (Delete), or select around it.",
    ]);
    expect(run.draft.spans).toEqual([{ start: 0, end: 12, label: "PER" }]);
  });

  it("refuses Delete where there is no span", () => {
    expect(press(task, ["Delete"]).refused).toEqual(["There is no span under the cursor to delete."]);
  });

  it("submits an empty list for a sentence without entities", () => {
    expect(press(nerTask("Nothing to see here ."), ["Enter"]).step).toEqual({ kind: "submit", value: [], acceptedSuggestion: false });
    expect(nerEditor().acceptButton({ project, task, draft: nerEditor().draftOf(null), given: null }).text).toBe(
      "Submit: no entities",
    );
  });

  it("follows reading order in a right-to-left sentence: → is the next token", () => {
    const arabic = "سافر محمد إلى القاهرة";
    const rtl = nerTask(arabic, { direction: "rtl" });
    expect(layoutOf(rtl).direction).toBe("rtl");
    const run = press(rtl, ["ArrowRight", "1", "ArrowRight", "ArrowRight", "2", "Enter"]);
    expect(run.step).toEqual({
      kind: "submit",
      value: [
        { start: 5, end: 9, label: "PER" },
        { start: 14, end: 21, label: "LOC" },
      ],
      acceptedSuggestion: false,
    });
    expect(arabic.slice(5, 9)).toBe("محمد");
    expect(arabic.slice(14, 21)).toBe("القاهرة");
  });

  it("labels character tokens in Chinese, as the server's tokens say", () => {
    const text = "李白在北京";
    const chars: [number, number][] = [...text].map((_, i) => [i, i + 1]);
    const run = press(nerTask(text, { tokens: chars }), ["Shift+ArrowRight", "1", "ArrowRight", "ArrowRight", "Shift+ArrowRight", "2"]);
    expect(run.draft.spans).toEqual([
      { start: 0, end: 2, label: "PER" },
      { start: 3, end: 5, label: "LOC" },
    ]);
  });
});

describe("the span editor with the mouse", () => {
  it("selects whole tokens from where the drag started to where it ended, in either direction", async () => {
    const { selectTokens, labelSelection } = await import("../src/tasks/ner/draft");
    const task = nerTask(ADA);
    const editor = nerEditor();
    const dragged = selectTokens(selectTokens(editor.draftOf(null), null, 4), 4, 3);
    const step = labelSelection({ project, task, draft: dragged, given: null }, "PER");
    expect(step).toEqual({ kind: "edit", draft: expect.objectContaining({ spans: [{ start: 17, end: 32, label: "PER" }] }) });
    const clicked = selectTokens(editor.draftOf(null), 6, 6);
    expect(clicked.anchor).toBeNull();
  });
});

describe("prelabels", () => {
  const suggestion = [
    { start: 0, end: 12, label: "PER", source: "dictionary", confidence: null },
    { start: 36, end: 42, label: "LOC", source: "model", confidence: 0.91 },
  ];
  const task = nerTask(ADA, { suggestion });

  it("keeps each prelabel's source and confidence", () => {
    expect(toPrelabels(task.suggestion)).toEqual([
      { start: 0, end: 12, label: "PER", source: "dictionary", confidence: null },
      { start: 36, end: 42, label: "LOC", source: "model", confidence: 0.91 },
    ]);
  });

  it("are all accepted with Enter, sent without their source", () => {
    expect(press(task, ["Enter"]).step).toEqual({
      kind: "submit",
      value: [
        { start: 0, end: 12, label: "PER" },
        { start: 36, end: 42, label: "LOC" },
      ],
      acceptedSuggestion: true,
    });
    expect(nerEditor().acceptButton({ project, task, draft: nerEditor().draftOf(null), given: null }).text).toBe(
      "Accept 2 prelabels",
    );
  });

  it("change label with a label key under the cursor, and are dropped with Delete", () => {
    const run = press(task, ["3", ...Array(6).fill("ArrowRight"), "Delete", "Enter"]);
    expect(run.step).toEqual({ kind: "submit", value: [{ start: 0, end: 12, label: "ORG" }], acceptedSuggestion: false });
  });

  it("are not drawn over when going back through a label given", () => {
    const given = [{ start: 17, end: 32, label: "PER" }];
    const run = press(task, ["Enter"], given);
    expect(run.step).toEqual({ kind: "submit", value: given, acceptedSuggestion: false });
  });

  it("refuse a new span across them", () => {
    const run = press(task, ["ArrowRight", "Shift+ArrowRight", "1"]);
    expect(run.refused[0]).toContain("overlaps the prelabel “Ada Lovelace” (PER)");
  });
});

describe("span values", () => {
  const editor = nerEditor();

  it("are shown as labels and offsets, or with their words in the History", () => {
    const value = [
      { start: 36, end: 42, label: "LOC" },
      { start: 0, end: 12, label: "PER" },
    ];
    expect(editor.format(value)).toBe("PER 0–12, LOC 36–42");
    expect(editor.format([])).toBe("no entities");
    expect(editor.format([{ start: 0, end: 12, label: "ORG", source: "dictionary", confidence: null }])).toBe(
      "ORG 0–12 (dictionary)",
    );
    expect(describeSpans(ADA, [{ start: 0, end: 12, label: "PER" }])).toBe("“Ada Lovelace” PER");
    expect(describeSpans(ADA, [])).toBe("no entities");
  });

  it("compare as sets of spans", () => {
    expect(editor.same([{ start: 0, end: 3, label: "PER" }, { start: 5, end: 6, label: "LOC" }], [{ start: 5, end: 6, label: "LOC" }, { start: 0, end: 3, label: "PER" }])).toBe(true);
    expect(editor.same([{ start: 0, end: 3, label: "PER" }], [{ start: 0, end: 3, label: "LOC" }])).toBe(false);
  });
});

describe("the span editor's keys", () => {
  it("win over the page's on the same key, and Shift+arrow is its own key", () => {
    const keymap = buildKeymap(
      toProject({
        ...{ name: "p", task: "ner", editor: "ner", modality: "text", labels: ["PER"], keys: { PER: "1" } },
        actions: [
          { action: "back", keys: ["ArrowLeft"], description: "Back" },
          { action: "token_previous", keys: ["ArrowLeft"], description: "Cursor back" },
          { action: "extend_previous", keys: ["Shift+ArrowLeft"], description: "Extend back" },
        ],
        reserved_keys: [],
        text_column: "text",
        retrain_every: 10,
        overlap: 1,
        items: 0,
        labeled_items: 0,
      }),
    );
    expect(commandFor(keymap, { key: "ArrowLeft", shiftKey: false })).toEqual({ kind: "editor", action: "token_previous" });
    expect(commandFor(keymap, { key: "ArrowLeft", shiftKey: true })).toEqual({ kind: "editor", action: "extend_previous" });
    // Shift on a character key is the character: "?" is the help key, not "Shift+?".
    expect(commandFor(keymap, { key: "1", shiftKey: true })).toEqual({ kind: "label", label: "PER" });
    expect(displayKey("Shift+ArrowLeft")).toBe("⇧←");
    expect(displayKey("ArrowUp")).toBe("↑");
  });
});
