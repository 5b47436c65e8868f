// The sentence cut into what the span editor draws: tokens, the text between
// them, and highlights around the tokens of each span. Text only: every piece
// is a string the component puts in a text node.

import { type Layout, slice, tokenRange } from "./layout";
import type { Prelabel, Span } from "./spans";

export type Piece =
  | { kind: "gap"; text: string }
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
  const gap = (from: number, to: number): Piece | null => (to > from ? { kind: "gap", text: slice(layout, from, to) } : null);
  const lead = gap(0, tokens.length > 0 ? tokens[0][0] : layout.length);
  if (lead) segments.push(lead);
  let i = 0;
  while (i < tokens.length) {
    const mark = starts.get(i);
    const last = mark ? mark.last : i;
    const pieces: Piece[] = [];
    for (let t = i; t <= last; t++) {
      pieces.push({ kind: "token", index: t, text: slice(layout, tokens[t][0], tokens[t][1]) });
      if (t < last) {
        const inner = gap(tokens[t][1], tokens[t + 1][0]);
        if (inner) pieces.push(inner);
      }
    }
    if (mark) segments.push({ kind: "mark", span: mark.span, prelabel: mark.prelabel, first: i, last, pieces });
    else segments.push(...pieces);
    const after = gap(tokens[last][1], last + 1 < tokens.length ? tokens[last + 1][0] : layout.length);
    if (after) segments.push(after);
    i = last + 1;
  }
  return segments;
}
