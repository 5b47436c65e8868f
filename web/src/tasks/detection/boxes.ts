// Box values: `[{"x", "y", "w", "h", "label"}]`, the top-left corner and the
// size relative to the image's width and height (0..1), so a box does not
// depend on how large the image is shown. A suggested box (a pre-annotation)
// also says where it came from ("model", "prediction") and its score.

import type { AnnotationValue, JsonValue, Suggestion } from "../../api/models";

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Box extends Rect {
  readonly label: string;
}

/** A box on screen: the person's (no source), or a pending pre-annotation. */
export interface DraftBox extends Box {
  /** "model" or "prediction" while the suggested box is untouched. */
  readonly source?: string;
  readonly score?: number | null;
}

/** Coordinates closer than this (a millionth of the image) are the same. */
const SAME = 1e-6;

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function finite(value: JsonValue | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** The well-formed boxes of a value (positive size, a label), in the value's order. */
export function toBoxes(value: AnnotationValue | null | undefined): Box[] {
  if (!Array.isArray(value)) return [];
  const boxes: Box[] = [];
  for (const element of value) {
    if (!isObject(element)) continue;
    const { x, y, w, h, label } = element;
    if (!finite(x) || !finite(y) || !finite(w) || !finite(h) || typeof label !== "string") continue;
    if (w <= 0 || h <= 0) continue;
    boxes.push({ x, y, w, h, label });
  }
  return boxes;
}

/**
 * The task's suggested boxes, each with its source and score: the box's own
 * `score` (or `confidence`), else the suggestion's confidence.
 */
export function toSuggested(suggestion: Suggestion | null): DraftBox[] {
  if (!suggestion || !Array.isArray(suggestion.value)) return [];
  const suggested: DraftBox[] = [];
  for (const element of suggestion.value) {
    if (!isObject(element)) continue;
    const [box] = toBoxes([element]);
    if (!box) continue;
    const source = typeof element.source === "string" ? element.source : "model";
    const own = finite(element.score) ? element.score : finite(element.confidence) ? element.confidence : null;
    suggested.push({ ...box, source, score: own ?? suggestion.confidence });
  }
  return suggested;
}

/** A box as the API stores it: geometry and label, nothing else. */
export function plainBox({ x, y, w, h, label }: Box): Box {
  return { x, y, w, h, label };
}

/** Rounded to 9 decimals, as the server's importers store boxes. */
function round(n: number): number {
  return Math.round(n * 1e9) / 1e9;
}

/** A list of boxes as a value to send. */
export function boxesValue(boxes: readonly Box[]): AnnotationValue {
  return boxes.map((b) => ({ x: round(b.x), y: round(b.y), w: round(b.w), h: round(b.h), label: b.label }));
}

function order(a: Box, b: Box): number {
  return a.label.localeCompare(b.label) || a.x - b.x || a.y - b.y || a.w - b.w || a.h - b.h;
}

/** The same boxes (geometry within a millionth, labels), in any order; a source does not count. */
export function sameBoxes(a: readonly Box[], b: readonly Box[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort(order);
  const y = [...b].sort(order);
  return x.every(
    (box, i) =>
      box.label === y[i].label &&
      Math.abs(box.x - y[i].x) < SAME &&
      Math.abs(box.y - y[i].y) < SAME &&
      Math.abs(box.w - y[i].w) < SAME &&
      Math.abs(box.h - y[i].h) < SAME,
  );
}

/** "2 boxes: cat, dog ×2"-style summary: each class with its count; "no boxes" for none. */
export function formatBoxes(value: AnnotationValue): string {
  if (!Array.isArray(value)) return typeof value === "string" ? value : JSON.stringify(value);
  const boxes = toBoxes(value);
  if (boxes.length === 0) return "no boxes";
  const counts = new Map<string, number>();
  for (const b of boxes) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
  const classes = [...counts].map(([label, n]) => (n === 1 ? label : `${label} ×${n}`)).join(", ");
  const sources = new Set(value.filter(isObject).map((e) => e.source).filter((s) => typeof s === "string"));
  const from = sources.size > 0 ? ` (${[...sources].join(", ")})` : "";
  return `${boxes.length} box${boxes.length === 1 ? "" : "es"}: ${classes}${from}`;
}

/** A score as the page writes it: two decimals, or nothing when there is none. */
export function formatScore(score: number | null | undefined): string {
  return typeof score === "number" ? score.toFixed(2) : "";
}
