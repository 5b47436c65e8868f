// Whole-item labels as values: one label (classification) or a list of them
// (multilabel). Shared by the two editors that label an item with buttons.

import type { AnnotationValue } from "../../api/models";

/** The labels in a value: a label alone, or each label of a list. */
export function toLabels(value: AnnotationValue | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** "spam"; "urgent, billing"; "(none)" for an empty list. */
export function formatLabels(value: AnnotationValue): string {
  if (Array.isArray(value)) return value.length > 0 ? value.map(String).join(", ") : "(none)";
  return String(value);
}

/** The same labels, in any order. */
export function sameLabels(a: AnnotationValue, b: AnnotationValue): boolean {
  const x = toLabels(a).sort();
  const y = toLabels(b).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The labels the model suggests for a task (none without a suggestion). */
export function suggestedLabels(suggestion: { value: AnnotationValue } | null): string[] {
  return suggestion ? toLabels(suggestion.value) : [];
}
