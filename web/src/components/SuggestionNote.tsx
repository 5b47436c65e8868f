import type { AnnotationValue, Suggestion } from "../api/models";
import { formatPercent } from "../lib/format";

interface Props {
  suggestion: Suggestion | null;
  /** The suggested value as text, as the project's editor writes values. */
  format: (value: AnnotationValue) => string;
  /** Classes the latest model never predicts right yet (from the stats). */
  unlearned: readonly string[];
}

/**
 * The model's suggestion for the item on screen, and a warning when the model has
 * not learned some class: its confidence then says nothing about that class, and
 * Enter accepts the suggestion in one key.
 */
export function SuggestionNote({ suggestion, format, unlearned }: Props) {
  return (
    <>
      <span class="suggestion" data-testid="suggestion">
        {suggestion
          ? `model: ${format(suggestion.value)}${suggestion.confidence === null ? "" : ` · ${formatPercent(suggestion.confidence)}`}`
          : "no suggestion yet"}
      </span>
      {suggestion && unlearned.length > 0 && (
        <span class="suggestion-warning" role="note" data-testid="suggestion-warning">
          ⚠ this model has not learned to predict {joinNames(unlearned)} yet
        </span>
      )}
    </>
  );
}

function joinNames(names: readonly string[]): string {
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}
