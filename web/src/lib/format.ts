// Words and numbers as the page shows them.

import type { TaskSource } from "../api/models";

/** "active learning · session 4 · margin · score 0.41", "random", "cold start". */
export function describeSource(source: TaskSource | null): string {
  if (!source) return "unknown";
  const kind = source.kind.replace(/_/g, " ");
  if (source.kind !== "active_learning") return kind;
  const parts = [kind];
  if (source.sessionId !== null) parts.push(`session ${source.sessionId}`);
  if (source.strategy) parts.push(source.strategy);
  if (source.score !== null) parts.push(`score ${source.score.toFixed(2)}`);
  return parts.join(" · ");
}

export function formatPercent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}

/** A value shown as text, whatever JSON type it has. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export function formatLabels(value: string | string[]): string {
  return Array.isArray(value) ? (value.length ? value.join(", ") : "(none)") : value;
}

/** Labels a one-line list names before "and N more" (as `activelabel init` does). */
export const NAMED_LABELS = 12;

/** "a, b, c" or, past `shown` names, the first `shown` "and 388 more". */
export function namesAndMore(names: readonly string[], shown = NAMED_LABELS): string {
  if (names.length <= shown) return names.join(", ");
  return `${names.slice(0, shown).join(", ")} and ${(names.length - shown).toLocaleString("en")} more`;
}

/** Label counts the progress panel lists before "Show all". */
export const TOP_LABEL_COUNTS = 10;

/**
 * The counts to list: every one, in the schema's order, when there are `top` or fewer
 * (or `all` is asked for, then largest first); else the `top` largest (ties in schema order)
 * and how many are left out.
 */
export function topCounts(
  counts: Record<string, number>,
  top = TOP_LABEL_COUNTS,
  all = false,
): { shown: [string, number][]; hidden: number } {
  const entries = Object.entries(counts);
  if (entries.length <= top) return { shown: entries, hidden: 0 };
  // Array.prototype.sort is stable: equal counts keep the schema's order.
  const largest = entries.sort((a, b) => b[1] - a[1]);
  return all ? { shown: largest, hidden: 0 } : { shown: largest.slice(0, top), hidden: largest.length - top };
}

/**
 * What the model labeled itself and what its audit found: "412 · audited 40 · 97.5 % correct"
 * (no share before any audit).
 */
export function formatAutoLabels(a: {
  autoLabeled: number;
  audited: number;
  auditedAccuracy: number | null;
}): string {
  const parts = [String(a.autoLabeled), `audited ${a.audited}`];
  if (a.auditedAccuracy !== null) parts.push(`${(100 * a.auditedAccuracy).toFixed(1)} % correct`);
  return parts.join(" · ");
}
