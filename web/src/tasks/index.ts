// The registry of task editors: the project's `editor` (sent by the server, the
// name of its task kind) → the editor that labels it. A new task kind's editor is
// a folder next to this file and one line below.

import type { Project } from "../api/models";
import { classification } from "./classification";
import { detection } from "./detection";
import type { TaskEditor } from "./editor";
import { multilabel } from "./multilabel";
import { ner } from "./ner";

export type { AcceptButton, EditorProps, EditorState, HistoryCellProps, Step, TaskEditor } from "./editor";

/**
 * An editor in the registry. The page hands an editor back only the drafts that
 * editor made, so forgetting the draft's type here loses nothing.
 */
function entry<Draft>(editor: TaskEditor<Draft>): [string, TaskEditor] {
  return [editor.name, editor as unknown as TaskEditor];
}

const EDITORS: ReadonlyMap<string, TaskEditor> = new Map([
  entry(classification),
  entry(multilabel),
  entry(ner),
  entry(detection),
]);

/** The editor of a project's items, or null when this page has none for its task. */
export function editorFor(project: Pick<Project, "editor">): TaskEditor | null {
  return EDITORS.get(project.editor) ?? null;
}

/** The names of the editors this page has. */
export function editorNames(): string[] {
  return [...EDITORS.keys()];
}

/** How a project's task is described in the project list: "single-label", "ner"… */
export function describeTask(project: Pick<Project, "editor" | "task">): string {
  return editorFor(project)?.description ?? project.task;
}

/** Why a project's items cannot be labeled on this page (its task has no editor here). */
export function noEditorSentence(project: Pick<Project, "task">): string {
  return (
    `This project's task (${project.task}) has no editor in this version of the page; ` +
    "label it through the API or import labels."
  );
}
