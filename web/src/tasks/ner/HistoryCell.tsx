import type { HistoryCellProps } from "../editor";
import { labelColor } from "./colors";
import { unitIndex } from "./layout";
import { formatSpans, spansValue, toSpans, type Span } from "./spans";

/** "“Ada” PER · “Paris” LOC": the spans with their words, or "no entities". */
export function describeSpans(text: string | null, spans: readonly Span[]): string {
  if (spans.length === 0) return "no entities";
  if (text === null) return formatSpans(spansValue(spans));
  const unit = unitIndex(text);
  return spans.map((s) => `“${text.slice(unit(s.start), unit(s.end))}” ${s.label}`).join(" · ");
}

/** A History row's spans: each with its words and label, and a button that removes it. */
export function HistoryCell({ project, value, text, busy, onChange }: HistoryCellProps) {
  const spans = toSpans(value);
  const unit = text === null ? null : unitIndex(text);
  return (
    <>
      <div class="chips">
        {spans.length === 0 && <span class="muted">no entities</span>}
        {spans.map((span) => (
          <span key={`${span.start}-${span.end}`} class="span-chip" style={{ "--span-color": labelColor(project.labels, span.label) }}>
            {unit && text !== null ? text.slice(unit(span.start), unit(span.end)) : `${span.start}–${span.end}`}
            <small>{span.label}</small>
            <button
              type="button"
              class="link"
              disabled={busy}
              title={`Remove this ${span.label} span`}
              aria-label={`Remove this ${span.label} span`}
              onClick={() => onChange(spansValue(spans.filter((s) => s !== span)))}
            >
              ×
            </button>
          </span>
        ))}
      </div>
      <span class="sr-only">{describeSpans(text, spans)}</span>
    </>
  );
}
