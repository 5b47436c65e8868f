import type { Disagreement, VoteFigures } from "../../api/rules";
import { formatPercent, formatValue } from "../../lib/format";

/** The label model beside majority vote, on the items people labeled. */
export function VoteSummary({ labelModel, majorityVote }: { labelModel: VoteFigures | null; majorityVote: VoteFigures | null }) {
  if (!labelModel && !majorityVote) {
    return (
      <p class="muted" data-testid="vote-summary">
        No label model yet: it is fitted by the next training round once functions are applied.
      </p>
    );
  }
  const row = (name: string, figures: VoteFigures | null, testId: string) => (
    <tr data-testid={testId}>
      <th scope="row">{name}</th>
      <td>{figures?.accuracy == null ? "—" : figures.accuracy.toFixed(3)}</td>
      <td>{figures ? figures.n : "—"}</td>
      <td>{figures ? formatPercent(figures.coverage) : "—"}</td>
    </tr>
  );
  return (
    <table class="vote-summary" data-testid="vote-summary">
      <caption class="sr-only">Label model against majority vote</caption>
      <thead>
        <tr>
          <th scope="col">
            <span class="sr-only">Method</span>
          </th>
          <th scope="col" title="share of the human-labeled items it labels that it labels as the person did">
            Accuracy on human labels
          </th>
          <th scope="col">Labeled items compared</th>
          <th scope="col" title="share of all items it gives a label">
            Coverage
          </th>
        </tr>
      </thead>
      <tbody>
        {row("Label model", labelModel, "label-model")}
        {row("Majority vote", majorityVote, "majority-vote")}
      </tbody>
    </table>
  );
}

function formatVotes(votes: Disagreement["votes"]): string {
  return Object.entries(votes)
    .map(([name, voted]) => `${name} → ${formatValue(Array.isArray(voted) ? voted.join(", ") : voted)}`)
    .join("; ");
}

/**
 * Items where the label model contradicts a person, most confident first: a
 * mislabel, or a function that fires where it should not (its votes say which).
 */
export function Disagreements({ rows }: { rows: readonly Disagreement[] | null }) {
  if (rows === null) return <p class="muted">Loading…</p>;
  if (rows.length === 0) {
    return (
      <p class="muted" data-testid="no-disagreements">
        The label model agrees with every human label it covers.
      </p>
    );
  }
  return (
    <div class="table-scroll">
      <table class="disagreements" data-testid="disagreements">
        <caption class="sr-only">Items where the label model and a person disagree</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Text</th>
            <th scope="col">Person</th>
            <th scope="col">Rules</th>
            <th scope="col">Votes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.itemId} data-testid={`disagreement-${d.externalId}`}>
              <th scope="row">{d.externalId}</th>
              <td class="clamp">{d.text ?? ""}</td>
              <td>{formatValue(Array.isArray(d.human) ? d.human.join(", ") : d.human)}</td>
              <td>
                {formatValue(Array.isArray(d.weak) ? d.weak.join(", ") : d.weak)}
                {d.confidence !== null && <span class="muted"> · {formatPercent(d.confidence)}</span>}
              </td>
              <td class="votes">{formatVotes(d.votes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
