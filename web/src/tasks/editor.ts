// What a task kind's editor gives the labeling page. One editor per folder under
// src/tasks/ (classification/, multilabel/, later ner/ and detection/); the
// registry in index.ts picks it by the project's `editor`. The page itself never
// asks which kind of task it is showing: it asks the editor.

import type { ComponentType } from "preact";
import type { ApiClient } from "../api/client";
import type { AnnotationValue, Project, Task } from "../api/models";

/**
 * What an editor sees when a key or a click reaches it. `draft` is the editor's
 * own state for the item on screen (the labels toggled on, the spans drawn…),
 * made by `draftOf` and the editor's earlier steps: the page only keeps it.
 */
export interface EditorState<Draft> {
  project: Project;
  task: Task;
  draft: Draft;
  /** The label given earlier, when going back through the labels given here; else null. */
  given: AnnotationValue | null;
}

/** What a key press or a click does to the item on screen. */
export type Step<Draft> =
  /** The editor's state changed; nothing is sent. */
  | { kind: "edit"; draft: Draft }
  /** Label the item (or change the label given, going back) and show the next one. */
  | { kind: "submit"; value: AnnotationValue; acceptedSuggestion: boolean }
  /** Going back: leave this label as it is and move on. */
  | { kind: "forward" }
  /** Nothing happens; the sentence says why. */
  | { kind: "refuse"; message: string };

/** The editor's main button (Enter): its words, and whether it can be pressed. */
export interface AcceptButton {
  text: string;
  enabled: boolean;
}

export interface EditorProps<Draft> {
  /** For what the editor fetches itself (an image to draw boxes on, with the token). */
  api: ApiClient;
  project: Project;
  task: Task;
  draft: Draft;
  /** label → key, as the keymap bound them. */
  labelKeys: Readonly<Record<string, string>>;
  /** A label chosen with the mouse: the same as its key. */
  onLabel: (label: string) => void;
  /**
   * What the editor's own controls do (a span selected with the mouse): a step
   * made from the state at the moment it runs, so quick events never see an
   * old draft.
   */
  onStep: (change: (state: EditorState<Draft>) => Step<Draft>) => void;
}

/** One row of the History page: the label given, changeable in place. */
export interface HistoryCellProps {
  project: Project;
  value: AnnotationValue;
  /** The item's text, when it has one (spans are drawn over it). */
  text: string | null;
  /** A call is running: the controls are disabled. */
  busy: boolean;
  /** Change the label to `value`. */
  onChange: (value: AnnotationValue) => void;
}

export interface TaskEditor<Draft = unknown> {
  /** The name the server sends as the project's `editor`: the folder under src/tasks/. */
  readonly name: string;
  /** How the project list describes such a project ("single-label"). */
  readonly description: string;
  /** What a label key does, as the help overlay says it ("Label", "Toggle"). */
  readonly labelKeyVerb: string;
  /**
   * The editor draws the item itself (spans over the text, boxes over the
   * image), so the page leaves out its own view of the item.
   */
  readonly showsItem: boolean;
  /** The editor's state for an item: from nothing (null) or from the label given earlier. */
  draftOf(given: AnnotationValue | null): Draft;
  /** A label's key, or its button. */
  onLabel(state: EditorState<Draft>, label: string): Step<Draft>;
  /** Enter, or the main button. */
  onAccept(state: EditorState<Draft>): Step<Draft>;
  /**
   * A key of one of the server's actions that the page leaves to the editor
   * (Project.editorActions: moving a span cursor, deleting a box…), by the
   * server's name. Null, or no method: the editor does nothing with it.
   */
  onAction?(state: EditorState<Draft>, action: string): Step<Draft> | null;
  acceptButton(state: EditorState<Draft>): AcceptButton;
  /** Whether two values are the same label (a change to the same is not sent). */
  same(a: AnnotationValue, b: AnnotationValue): boolean;
  /** A value as one line of text: the label given, the model's suggestion. */
  format(value: AnnotationValue): string;
  /** Drawn under the item (the label buttons), or in its place when it `showsItem`. */
  Editor: ComponentType<EditorProps<Draft>>;
  /** The label column of a History row. */
  HistoryCell: ComponentType<HistoryCellProps>;
}
