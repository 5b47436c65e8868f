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
