// Where the tokens of an item's text are, and the reading direction. The server
// sends both (Task.layout: the tokens it imported or computed, character
// offsets in code points); an older server sends none, and the text is then
// split as the server's whitespace tokenization splits it.

import type { Task } from "../../api/models";
import type { Span } from "./spans";

/** A token's `[start, end)` in code points. */
export type Token = readonly [number, number];

export interface Layout {
  readonly text: string;
  /** The text's length in code points. */
  readonly length: number;
  readonly direction: "ltr" | "rtl";
  /** In reading order. */
  readonly tokens: readonly Token[];
  /** A code-point offset as an index into the JavaScript string (UTF-16 code units). */
  readonly unit: (offset: number) => number;
}

// Words (letters, digits and their combining marks) joined across an inner
// apostrophe, hyphen or full stop; any other mark that is not a space alone.
const WHITESPACE_TOKEN = /[\p{L}\p{N}\p{M}_]+(?:['’.-][\p{L}\p{N}\p{M}_]+)*|[^\p{L}\p{N}\p{M}_\s]/gu;

/** A code-point offset → UTF-16 index function for `text` (the identity without astral characters). */
export function unitIndex(text: string): (offset: number) => number {
  if (!/[\uD800-\uDBFF]/.test(text)) return (offset) => offset;
  const units: number[] = [];
  let u = 0;
  for (const ch of text) {
    units.push(u);
    u += ch.length;
  }
  units.push(u);
  return (offset) => units[Math.max(0, Math.min(offset, units.length - 1))];
}

/** The whitespace tokens of `text` in code points (the server's rule, for an older server). */
export function tokenizeWhitespace(text: string): Token[] {
  const codePoints = [...text];
  // Map UTF-16 match offsets back to code points.
  const pointOf = new Map<number, number>();
  let u = 0;
  codePoints.forEach((ch, i) => {
    pointOf.set(u, i);
    u += ch.length;
  });
  pointOf.set(u, codePoints.length);
  const tokens: Token[] = [];
  for (const match of text.matchAll(WHITESPACE_TOKEN)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    tokens.push([pointOf.get(start) ?? start, pointOf.get(end) ?? end]);
  }
  return tokens;
}

const layouts = new WeakMap<object, Layout>();

/** The layout of a task's text: the server's, else computed (once per task). */
export function layoutOf(task: Pick<Task, "text" | "layout">): Layout {
  let layout = layouts.get(task);
  if (!layout) {
    layout = computeLayout(task);
    layouts.set(task, layout);
  }
  return layout;
}

function computeLayout(task: Pick<Task, "text" | "layout">): Layout {
  const text = task.text ?? "";
  const length = [...text].length;
  const given = task.layout?.tokens;
  const tokens = (given ?? tokenizeWhitespace(text)).filter(([s, e]) => 0 <= s && s < e && e <= length);
  return { text, length, direction: task.layout?.direction ?? "ltr", tokens, unit: unitIndex(text) };
}

/** The text of `[start, end)` (code points). */
export function slice(layout: Layout, start: number, end: number): string {
  return layout.text.slice(layout.unit(start), layout.unit(end));
}

/** The first and last token a span touches, or null when it touches none (tokens in text order). */
export function tokenRange(tokens: readonly Token[], span: Pick<Span, "start" | "end">): [number, number] | null {
  // The first token that ends after the span starts: a binary search, since a
  // sentence of 200 spans asks this 200 times on every key press.
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid][1] <= span.start) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= tokens.length || tokens[lo][0] >= span.end) return null;
  let last = lo;
  while (last + 1 < tokens.length && tokens[last + 1][0] < span.end) last++;
  return [lo, last];
}

/** The characters of tokens `first`..`last` (either order): a selection snapped to token boundaries. */
export function tokensExtent(tokens: readonly Token[], a: number, b: number): { start: number; end: number } {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return { start: tokens[lo][0], end: tokens[hi][1] };
}
