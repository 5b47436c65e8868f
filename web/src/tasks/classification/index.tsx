// Classification: one label per item. A label key labels the item and shows the
// next one; Enter accepts the model's suggestion.

import type { EditorProps, HistoryCellProps, TaskEditor } from "../editor";
import { LabelButtons } from "../labelButtons/LabelButtons";
import { LabelChips } from "../labelButtons/LabelChips";
import { formatLabels, sameLabels, suggestedLabels, toLabels } from "../labelButtons/values";

/** The label given when going back (shown selected); empty otherwise. */
type Draft = ReadonlySet<string>;

function Editor({ project, task, draft, labelKeys, onLabel }: EditorProps<Draft>) {
  return (
    <LabelButtons
      labels={project.labels}
      labelKeys={labelKeys}
      selected={draft}
      suggested={suggestedLabels(task.suggestion)}
      toggles={false}
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
      next={(current, label) => (current.includes(label) ? null : label)}
      onChange={onChange}
    />
  );
}

export const classification: TaskEditor<Draft> = {
  name: "classification",
  description: "single-label",
  labelKeyVerb: "Label",
  showsItem: false,
  draftOf: (given) => new Set(toLabels(given)),
  onLabel: (_state, label) => ({ kind: "submit", value: label, acceptedSuggestion: false }),
  onAccept: ({ task, given }) => {
    if (given !== null) return { kind: "forward" };
    const suggested = suggestedLabels(task.suggestion);
    if (suggested.length === 0) return { kind: "refuse", message: "No suggestion for this item yet." };
    return { kind: "submit", value: suggested[0], acceptedSuggestion: true };
  },
  acceptButton: ({ task, given }) =>
    given !== null ? { text: "Next", enabled: true } : { text: "Accept suggestion", enabled: task.suggestion !== null },
  same: sameLabels,
  format: formatLabels,
  Editor,
  HistoryCell,
};
