// Multilabel: a set of labels per item. A label key toggles its label; Enter
// submits the labels toggled on, or accepts the model's suggestion when none is.

import type { EditorProps, EditorState, HistoryCellProps, Step, TaskEditor } from "../editor";
import { LabelButtons } from "../labelButtons/LabelButtons";
import { LabelChips } from "../labelButtons/LabelChips";
import { formatLabels, sameLabels, suggestedLabels, toLabels } from "../labelButtons/values";

/** The labels toggled on. */
type Draft = ReadonlySet<string>;

function Editor({ project, task, draft, labelKeys, onLabel }: EditorProps<Draft>) {
  return (
    <LabelButtons
      labels={project.labels}
      labelKeys={labelKeys}
      selected={draft}
      suggested={suggestedLabels(task.suggestion)}
      toggles={true}
      onLabel={onLabel}
      parents={project.parents}
      aliases={project.aliases}
    />
  );
}

function HistoryCell({ project, value, busy, onChange }: HistoryCellProps) {
  return (
    <LabelChips
      labels={project.labels}
      value={value}
      busy={busy}
      next={(current, label) => (current.includes(label) ? current.filter((l) => l !== label) : [...current, label])}
      onChange={onChange}
    />
  );
}

function onAccept({ project, task, draft, given }: EditorState<Draft>): Step<Draft> {
  const suggested = suggestedLabels(task.suggestion);
  if (draft.size > 0 || given !== null) {
    // In the project's order, whatever order the keys were pressed in.
    const chosen = project.labels.filter((l) => draft.has(l));
    const same = sameLabels(suggested, chosen);
    return { kind: "submit", value: chosen, acceptedSuggestion: same && given === null };
  }
  if (suggested.length === 0) return { kind: "refuse", message: "No suggestion for this item yet." };
  return { kind: "submit", value: suggested, acceptedSuggestion: true };
}

export const multilabel: TaskEditor<Draft> = {
  name: "multilabel",
  description: "multi-label",
  labelKeyVerb: "Toggle",
  showsItem: false,
  draftOf: (given) => new Set(toLabels(given)),
  onLabel: ({ draft }, label) => {
    const next = new Set(draft);
    if (next.has(label)) next.delete(label);
    else next.add(label);
    return { kind: "edit", draft: next };
  },
  onAccept,
  acceptButton: ({ given }) => ({ text: given !== null ? "Save" : "Submit / accept", enabled: true }),
  same: sameLabels,
  format: formatLabels,
  Editor,
  HistoryCell,
};
