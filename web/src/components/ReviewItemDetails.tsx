import type { AnnotationValue } from "../api/models";
import type { ReviewItem } from "../api/quality";
import { formatPercent } from "../lib/format";

interface Props {
  item: ReviewItem;
  reasons: string[];
  /** A value as text, as the project's editor writes it. */
  format: (value: AnnotationValue) => string;
}

/** What a reviewer decides on: each annotator's label, the model's, the agreement, and why the item is here. */
export function ReviewItemDetails({ item, reasons, format }: Props) {
  return (
    <section class="review-details" aria-label="Labels of this item">
      <p class="reasons" data-testid="review-reasons">
        {reasons.map((r) => (
          <span key={r} class={r.startsWith("conflict") ? "badge reason conflict" : "badge reason"}>
            {r}
          </span>
        ))}
      </p>
      <table class="review-labels" data-testid="review-labels">
        <thead>
          <tr>
            <th>by</th>
            <th>label</th>
            <th>source</th>
          </tr>
        </thead>
        <tbody>
          {item.labels.map((l) => (
            <tr key={l.annotationId} data-testid="review-label-row">
              <td>{l.annotator ?? "—"}</td>
              <td class="value">{format(l.value)}</td>
              <td class="muted">{l.source}</td>
            </tr>
          ))}
          {item.suggestion && (
            <tr class="model" data-testid="review-suggestion">
              <td>model</td>
              <td class="value">{format(item.suggestion.value)}</td>
              <td class="muted">
                suggestion{item.suggestion.confidence !== null ? ` · ${formatPercent(item.suggestion.confidence)}` : ""}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <dl class="review-facts">
        <dt>Label</dt>
        <dd data-testid="review-final-label">{item.label === null ? "none (undecided)" : format(item.label)}
          {item.conflict ? " (not settled: the annotators disagree)" : ""}</dd>
        <dt>Decided by</dt>
        <dd>{item.decidedBy ?? "—"}</dd>
        <dt>Agreement</dt>
        <dd data-testid="review-agreement">
          {item.agreement === null ? "—" : `${formatPercent(item.agreement)} of ${item.nAnnotators}`}
        </dd>
        {item.labelIssue && (
          <>
            <dt>Mislabel finder</dt>
            <dd>
              #{item.labelIssue.rank}, label quality {item.labelIssue.quality.toFixed(2)}, suggests{" "}
              {format(item.labelIssue.suggested)}
            </dd>
          </>
        )}
        {item.review && (
          <>
            <dt>Review</dt>
            <dd data-testid="review-record">
              {item.review.decision} by {item.review.reviewer ?? "—"}
              {item.review.note ? `: “${item.review.note}”` : ""}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}
