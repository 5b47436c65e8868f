import type { AnnotationValue, Suggestion } from "../api/models";
import { formatPercent } from "../lib/format";

interface Props {
  suggestion: Suggestion | null;
  /** The suggested value as text, as the project's editor writes values. */
  format: (value: AnnotationValue) => string;
  /** Classes the latest model never predicts right yet (from the stats). */
  unlearned: readonly string[];
}

/** Who made a suggestion, as the note names it, and what that means. */
const SOURCES = {
  model: { name: "model", title: "the model trained on the labels so far" },
  rules: { name: "rules", title: "the label model over the project's labeling functions (no model suggestion yet)" },
} as const;

/**
 * The suggestion for the item on screen, named by who made it (the round's
 * model, the label model over the labeling functions: "rules", or the model
 * whose predictions were imported, by its name), with its
 * confidence; and a warning when the model has not learned some class: its
 * confidence then says nothing about that class, and Enter accepts the
 * suggestion in one key. The server withholds a suggestion of a class the model
 * has not learned (and every suggestion of a model that learned one class of
 * two); the note then says why there is none.
 */
export function SuggestionNote({ suggestion, format, unlearned }: Props) {
  const source = sourceOf(suggestion);
  return (
    <>
      <span
        class={`suggestion${suggestion?.source === "rules" ? " from-rules" : ""}${suggestion?.source === "prediction" ? " from-prediction" : ""}`}
        data-testid="suggestion"
        data-source={suggestion ? source.name : undefined}
        title={suggestion ? `Suggested by ${source.title}` : undefined}
      >
        {suggestion
          ? `${source.name}: ${format(suggestion.value)}${suggestion.confidence === null ? "" : ` · ${formatPercent(suggestion.confidence)}`}`
          : unlearned.length > 0
            ? `no suggestion: the model has not learned to predict ${joinNames(unlearned)} yet`
            : "no suggestion yet"}
      </span>
      {suggestion && (suggestion.source ?? "model") === "model" && unlearned.length > 0 && (
        <span class="suggestion-warning" role="note" data-testid="suggestion-warning">
          ⚠ this model has not learned to predict {joinNames(unlearned)} yet
        </span>
      )}
    </>
  );
}

/** Who made ``suggestion``: an imported prediction is named by its model. */
function sourceOf(suggestion: Suggestion | null): { name: string; title: string } {
  if (suggestion?.source === "prediction") {
    const name = suggestion.modelName || "prediction";
    return { name, title: `the imported predictions of ${name} (no model suggestion yet)` };
  }
  return SOURCES[suggestion?.source === "rules" ? "rules" : "model"];
}

function joinNames(names: readonly string[]): string {
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}
