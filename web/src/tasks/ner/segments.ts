// The sentence cut into what the span editor draws: tokens, the text between
// them, and highlights around the tokens of each span. Text only: every piece
// is a string the component puts in a text node.

import { type Layout, slice, tokenRange } from "./layout";
import type { Prelabel, Span } from "./spans";

export type Piece =
  /** The text between tokens: after token `after` (-1: before the first). */
  | { kind: "gap"; after: number; text: string }
  | { kind: "token"; index: number; text: string };

export type Segment =
  | Piece
  | {
      kind: "mark";
      span: Span;
      /** Set for a pending prelabel (drawn dashed, with its source). */
      prelabel: Prelabel | null;
      first: number;
      last: number;
      pieces: Piece[];
    };

/**
 * The segments of the sentence, in reading order. A span covers every token it
 * touches; a span that would share a token with one drawn before it is left
 * out (the server refuses overlapping spans, so only odd suggestions get here).
 */
export function segmentsOf(layout: Layout, spans: readonly Span[], prelabels: readonly Prelabel[]): Segment[] {
  const { tokens } = layout;
  const cache = cacheOf(layout);
  const starts = new Map<number, { span: Span; prelabel: Prelabel | null; last: number }>();
  const taken = new Uint8Array(tokens.length);
  const marks = [
    ...spans.map((span) => ({ span, prelabel: null })),
    ...prelabels.map((p) => ({ span: p as Span, prelabel: p })),
  ];
  for (const { span, prelabel } of marks) {
    const range = tokenRange(tokens, span);
    if (!range) continue;
    const [first, last] = range;
    if (taken.subarray(first, last + 1).some((t) => t === 1)) continue;
    taken.fill(1, first, last + 1);
    starts.set(first, { span, prelabel, last });
  }

  const segments: Segment[] = [];
  if (cache.lead) segments.push(cache.lead);
  let i = 0;
  while (i < tokens.length) {
    const mark = starts.get(i);
    if (mark) {
      segments.push(markOf(layout, cache, i, mark.last, mark.span, mark.prelabel));
    } else {
      segments.push(cache.tokens[i]);
    }
    const last = mark ? mark.last : i;
    const after = cache.gaps[last];
    if (after) segments.push(after);
    i = last + 1;
  }
  return segments;
}

interface Cache {
  lead: Piece | null;
  tokens: Piece[];
  /** The text after each token, up to the next (or the end); null when there is none. */
  gaps: (Piece | null)[];
  /** Highlights drawn before, by what they cover and show: the same object when nothing changed. */
  marks: Map<string, Segment>;
}

// The pieces of a layout are made once and kept, so a key press that changes
// one span hands the component the same objects for everything else, and it
// redraws only what changed.
const caches = new WeakMap<Layout, Cache>();

function cacheOf(layout: Layout): Cache {
  let cache = caches.get(layout);
  if (cache) return cache;
  const { tokens } = layout;
  const gap = (after: number, from: number, to: number): Piece | null =>
    to > from ? { kind: "gap", after, text: slice(layout, from, to) } : null;
  cache = {
    lead: gap(-1, 0, tokens.length > 0 ? tokens[0][0] : layout.length),
    tokens: tokens.map(([s, e], index) => ({ kind: "token", index, text: slice(layout, s, e) })),
    gaps: tokens.map(([, e], t) => gap(t, e, t + 1 < tokens.length ? tokens[t + 1][0] : layout.length)),
    marks: new Map(),
  };
  caches.set(layout, cache);
  return cache;
}

function markOf(layout: Layout, cache: Cache, first: number, last: number, span: Span, prelabel: Prelabel | null): Segment {
  const key = `${first}:${last}:${span.start}:${span.end}:${span.label}:${prelabel ? `${prelabel.source}:${prelabel.confidence}` : ""}`;
  const kept = cache.marks.get(key);
  if (kept) return kept;
  const pieces: Piece[] = [];
  for (let t = first; t <= last; t++) {
    pieces.push(cache.tokens[t]);
    const inner = t < last ? cache.gaps[t] : null;
    if (inner) pieces.push(inner);
  }
  const segment: Segment = { kind: "mark", span, prelabel, first, last, pieces };
  if (cache.marks.size > 4 * layout.tokens.length + 64) cache.marks.clear();
  cache.marks.set(key, segment);
  return segment;
}
