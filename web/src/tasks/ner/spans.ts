// Span values: `[{"start", "end", "label"}]`, character offsets (Unicode code
// points, as the server counts them) into the item's text. A suggested span (a
// prelabel) also says where it came from and how sure its source is.

import type { AnnotationValue, JsonValue, Suggestion } from "../../api/models";

export interface Span {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/** A span the server suggests: from the dictionary of labeled surface forms, the model, or imported predictions. */
export interface Prelabel extends Span {
  readonly source: string;
  readonly confidence: number | null;
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The well-formed spans of a value (a list of `{start, end, label}`), in text order. */
export function toSpans(value: AnnotationValue | null | undefined): Span[] {
  if (!Array.isArray(value)) return [];
  const spans: Span[] = [];
  for (const element of value) {
    if (!isObject(element)) continue;
    const { start, end, label } = element;
    if (typeof start !== "number" || typeof end !== "number" || typeof label !== "string") continue;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) continue;
    spans.push({ start, end, label });
  }
  return sortSpans(spans);
}

/** The task's suggested spans, each with its source and confidence, none overlapping another. */
export function toPrelabels(suggestion: Suggestion | null): Prelabel[] {
  if (!suggestion || !Array.isArray(suggestion.value)) return [];
  const prelabels: Prelabel[] = [];
  const spans = toSpans(suggestion.value);
  for (const element of suggestion.value) {
    if (!isObject(element)) continue;
    const span = spans.find((s) => s.start === element.start && s.end === element.end && s.label === element.label);
    if (!span) continue;
    const source = typeof element.source === "string" ? element.source : "model";
    const own = element.confidence;
    const confidence = typeof own === "number" ? own : own === null ? null : suggestion.confidence;
    prelabels.push({ ...span, source, confidence });
  }
  return nonOverlapping(sortSpans(prelabels));
}

/** By start, then end. */
export function sortSpans<S extends Span>(spans: readonly S[]): S[] {
  return [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Whether two spans share a character. */
export function overlap(a: Pick<Span, "start" | "end">, b: Pick<Span, "start" | "end">): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The spans in order, each one dropped that overlaps one kept before it. */
export function nonOverlapping<S extends Span>(spans: readonly S[]): S[] {
  const kept: S[] = [];
  for (const span of spans) if (!kept.some((k) => overlap(k, span))) kept.push(span);
  return kept;
}

/** A span as the API stores it: start, end, label, nothing else. */
export function plainSpan({ start, end, label }: Span): Span {
  return { start, end, label };
}

/** A list of spans as a value to send. */
export function spansValue(spans: readonly Span[]): AnnotationValue {
  return sortSpans(spans).map((s) => ({ start: s.start, end: s.end, label: s.label }));
}

/** The same spans (offsets and labels), in any order; a prelabel's source does not count. */
export function sameSpans(a: readonly Span[], b: readonly Span[]): boolean {
  if (a.length !== b.length) return false;
  const x = sortSpans(a);
  const y = sortSpans(b);
  return x.every((s, i) => s.start === y[i].start && s.end === y[i].end && s.label === y[i].label);
}

/** "PER 0–3, LOC 13–18"; a suggestion's spans with their source ("ORG 0–12 (dictionary)"); "no entities" for none. */
export function formatSpans(value: AnnotationValue): string {
  if (!Array.isArray(value)) return typeof value === "string" ? value : JSON.stringify(value);
  const spans = toSpans(value);
  if (spans.length === 0) return "no entities";
  const sources = new Map<string, string>();
  for (const element of value) {
    if (isObject(element) && typeof element.source === "string") sources.set(`${element.start}-${element.end}`, element.source);
  }
  return spans
    .map((s) => {
      const source = sources.get(`${s.start}-${s.end}`);
      return `${s.label} ${s.start}–${s.end}${source ? ` (${source})` : ""}`;
    })
    .join(", ");
}
