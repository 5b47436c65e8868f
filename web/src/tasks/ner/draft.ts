// The span editor's state for the item on screen and what each key does to it,
// as plain functions (tested without a browser). Tokens are counted in reading
// order: → (next) is the token after in the sentence, leftward on screen in a
// right-to-left text.

import type { AnnotationValue } from "../../api/models";
import type { EditorState, Step } from "../editor";
import { layoutOf, slice, tokensExtent, type Layout } from "./layout";
import { overlap, plainSpan, sameSpans, sortSpans, spansValue, toPrelabels, toSpans, type Prelabel, type Span } from "./spans";

export interface Draft {
  /** The person's spans: drawn, or prelabels accepted one by one (relabeled). */
  readonly spans: readonly Span[];
  /** The prelabels still pending; null: the task's suggestion, untouched. */
  readonly prelabels: readonly Prelabel[] | null;
  /** The token under the cursor. */
  readonly cursor: number;
  /** Where the selection started (Shift+arrow, a drag); null: the selection is the cursor's token. */
  readonly anchor: number | null;
}

export type SpanState = EditorState<Draft>;

/** A fresh draft: nothing drawn (the prelabels pending), or the spans given earlier (no prelabels). */
export function draftOf(given: AnnotationValue | null): Draft {
  if (given === null) return { spans: [], prelabels: null, cursor: 0, anchor: null };
  return { spans: toSpans(given), prelabels: [], cursor: 0, anchor: null };
}

/** The prelabels still pending on screen (none when going back through labels given). */
export function pendingPrelabels({ task, draft, given }: SpanState): readonly Prelabel[] {
  if (given !== null) return [];
  return draft.prelabels ?? toPrelabels(task.suggestion);
}

/** The selected tokens, first to last in reading order. */
export function selection(draft: Draft): [number, number] {
  const anchor = draft.anchor ?? draft.cursor;
  return [Math.min(anchor, draft.cursor), Math.max(anchor, draft.cursor)];
}

function edit(draft: Draft): Step<Draft> {
  return { kind: "edit", draft };
}

/** The cursor one token on (+1) or back (-1) in reading order; `extend` keeps the selection's other end. */
export function moveCursor({ task, draft }: SpanState, delta: number, extend: boolean): Step<Draft> {
  const count = layoutOf(task).tokens.length;
  if (count === 0) return edit(draft);
  const cursor = Math.max(0, Math.min(count - 1, draft.cursor + delta));
  const anchor = extend ? (draft.anchor ?? draft.cursor) : null;
  return edit({ ...draft, cursor, anchor: anchor === cursor ? null : anchor });
}

/** A selection made with the mouse: from token `anchor` to token `cursor`. */
export function selectTokens(draft: Draft, anchor: number | null, cursor: number): Draft {
  return { ...draft, cursor, anchor: anchor === cursor ? null : anchor };
}

/** The span (the person's, else a pending prelabel) on a token. */
function spanOnToken(layout: Layout, spans: readonly Span[], token: number): Span | undefined {
  const [s, e] = layout.tokens[token] ?? [0, 0];
  return spans.find((span) => overlap(span, { start: s, end: e }));
}

function describe(layout: Layout, span: Span): string {
  return `“${slice(layout, span.start, span.end)}” (${span.label})`;
}

/**
 * A label key: label the selection. The cursor alone on a span (or a prelabel)
 * changes that span's label; a selection that is exactly a span relabels it; a
 * selection that overlaps a span is refused.
 */
export function labelSelection(state: SpanState, label: string): Step<Draft> {
  const { task, draft } = state;
  const layout = layoutOf(task);
  if (layout.tokens.length === 0) return { kind: "refuse", message: "This item has no words to label." };
  const pending = pendingPrelabels(state);
  const [lo, hi] = selection(draft);
  const wanted = tokensExtent(layout.tokens, lo, hi);

  const relabel = (target: Span): Step<Draft> => {
    const own = draft.spans.includes(target);
    const spans = [...draft.spans.filter((s) => s !== target), { ...plainSpan(target), label }];
    const prelabels = own ? pending : pending.filter((p) => p !== target);
    return edit({ ...draft, spans: sortSpans(spans), prelabels, anchor: null });
  };

  if (draft.anchor === null) {
    const under = spanOnToken(layout, draft.spans, draft.cursor) ?? spanOnToken(layout, pending, draft.cursor);
    if (under) return relabel(under);
  }
  const exact = [...draft.spans, ...pending].find((s) => s.start === wanted.start && s.end === wanted.end);
  if (exact) return relabel(exact);
  const clash = [...draft.spans, ...pending].find((s) => overlap(s, wanted));
  if (clash) {
    const kind = draft.spans.includes(clash) ? "span" : "prelabel";
    return {
      kind: "refuse",
      message:
        `The selection ${describe(layout, { ...wanted, label })} overlaps the ${kind} ${describe(layout, clash)}; ` +
        "spans cannot overlap. Delete that one first (Delete), or select around it.",
    };
  }
  const spans = sortSpans([...draft.spans, { ...wanted, label }]);
  return edit({ ...draft, spans, prelabels: pending, anchor: null });
}

/** Delete: remove the span (or drop the prelabel) under the cursor. */
export function deleteAtCursor(state: SpanState): Step<Draft> {
  const { task, draft } = state;
  const layout = layoutOf(task);
  const pending = pendingPrelabels(state);
  const own = spanOnToken(layout, draft.spans, draft.cursor);
  if (own) return edit({ ...draft, spans: draft.spans.filter((s) => s !== own), prelabels: pending, anchor: null });
  const prelabel = spanOnToken(layout, pending, draft.cursor);
  if (prelabel) return edit({ ...draft, prelabels: pending.filter((p) => p !== prelabel), anchor: null });
  return { kind: "refuse", message: "There is no span under the cursor to delete." };
}

/** The spans Enter sends: the person's and the pending prelabels, without their source. */
export function submittedSpans(state: SpanState): Span[] {
  return sortSpans([...state.draft.spans, ...pendingPrelabels(state)].map(plainSpan));
}

/**
 * Enter: submit the spans (an empty list says "no entities"). It accepts the
 * suggestion when what is sent is exactly what was suggested.
 */
export function submit(state: SpanState): Step<Draft> {
  const spans = submittedSpans(state);
  const suggested = state.task.suggestion ? toSpans(state.task.suggestion.value) : null;
  const accepted = state.given === null && suggested !== null && sameSpans(spans, suggested);
  return { kind: "submit", value: spansValue(spans), acceptedSuggestion: accepted };
}

/** The main button's words. */
export function acceptText(state: SpanState): string {
  if (state.given !== null) return "Save spans";
  const pending = pendingPrelabels(state).length;
  const own = state.draft.spans.length;
  if (pending > 0 && own === 0) return pending === 1 ? "Accept the prelabel" : `Accept ${pending} prelabels`;
  if (pending + own === 0) return "Submit: no entities";
  return `Submit ${pending + own} span${pending + own === 1 ? "" : "s"}`;
}
