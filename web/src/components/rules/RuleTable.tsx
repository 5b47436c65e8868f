import type { Rule, RuleStats } from "../../api/rules";
import { formatPercent } from "../../lib/format";

interface Props {
  rules: readonly Rule[];
  /** Admins: each row has a Remove button. */
  onRemove: ((name: string) => void) | null;
  /** The function being removed (its button is disabled). */
  removing: string | null;
}

/** What a function looks for: its keywords, its pattern, or its Python function. */
export function describeRule(rule: Rule): string {
  if (rule.keywords) return rule.keywords.join(", ") + (rule.caseSensitive ? " (case-sensitive)" : "");
  if (rule.pattern !== null) return `/${rule.pattern}/`;
  return "Python function";
}

/** The state a function is in: applied, waiting for the next round, or disabled and why. */
export function ruleState(rule: Rule): string {
  if (!rule.enabled) return `disabled: ${rule.disabledReason ?? "no reason recorded"}`;
  return rule.applied ? "applied" : "not applied yet";
}

/** "0.92 on 25" — an accuracy is never shown without what it was measured on. */
export function formatAccuracy(stats: RuleStats | null): string {
  if (!stats) return "—";
  if (stats.accuracy === null) return `— (no labeled item)`;
  return `${stats.accuracy.toFixed(2)} on ${stats.nAccuracy}`;
}

function emitted(stats: RuleStats | null): string {
  if (!stats) return "—";
  const pairs = Object.entries(stats.emitted).sort((a, b) => b[1] - a[1]);
  if (pairs.length === 0) return "none";
  return pairs.map(([label, n]) => `${label} ${n}`).join(", ");
}

function share(stats: RuleStats | null, figure: "coverage" | "overlap" | "conflict"): string {
  return stats ? formatPercent(stats[figure]) : "—";
}

/** The project's labeling functions with their figures (Snorkel's LF analysis). */
export function RuleTable({ rules, onRemove, removing }: Props) {
  if (rules.length === 0) {
    return (
      <p class="muted" data-testid="no-rules">
        No labeling functions yet.
      </p>
    );
  }
  return (
    <div class="table-scroll">
      <table class="rules-table" data-testid="rules-table">
        <caption class="sr-only">Labeling functions and their figures</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Votes</th>
            <th scope="col">Looks for</th>
            <th scope="col" title="share of the items it votes on">
              Coverage
            </th>
            <th scope="col" title="share of the items where another function votes too">
              Overlap
            </th>
            <th scope="col" title="share of the items where another function votes another label">
              Conflict
            </th>
            <th scope="col">Labels emitted</th>
            <th scope="col" title="share of its votes a person's label holds, on how many labeled items">
              Accuracy
            </th>
            <th scope="col" title="the label model's estimate">
              Est. accuracy
            </th>
            <th scope="col">State</th>
            {onRemove && (
              <th scope="col">
                <span class="sr-only">Remove</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.name} data-testid={`rule-${rule.name}`} class={rule.enabled ? undefined : "disabled"}>
              <th scope="row">
                {rule.name} <span class="badge">{rule.kind}</span>
              </th>
              <td>{rule.label ?? "its own"}</td>
              <td class="looks-for">{describeRule(rule)}</td>
              <td data-testid="rule-coverage">{share(rule.stats, "coverage")}</td>
              <td>{share(rule.stats, "overlap")}</td>
              <td>{share(rule.stats, "conflict")}</td>
              <td data-testid="rule-emitted">{emitted(rule.stats)}</td>
              <td data-testid="rule-accuracy">{formatAccuracy(rule.stats)}</td>
              <td>{rule.stats?.estimatedAccuracy == null ? "—" : rule.stats.estimatedAccuracy.toFixed(2)}</td>
              <td data-testid="rule-state">{ruleState(rule)}</td>
              {onRemove && (
                <td>
                  <button
                    type="button"
                    class="link"
                    disabled={removing === rule.name}
                    aria-label={`Remove ${rule.name}`}
                    onClick={() => onRemove(rule.name)}
                  >
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
