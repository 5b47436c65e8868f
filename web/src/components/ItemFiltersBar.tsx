import type { ItemFilters, ReviewView } from "../lib/reviewFilters";

interface Props {
  filters: ItemFilters;
  view: ReviewView;
  labels: readonly string[];
  annotators: readonly string[];
  onChange: (next: ItemFilters) => void;
}

const STATES: [string, string][] = [
  ["to_review", "to review"],
  ["reviewed", "reviewed"],
  ["accepted", "accepted"],
  ["corrected", "corrected"],
  ["rejected", "rejected"],
  ["any", "any state"],
];

const SOURCES = ["human", "import", "review", "rule", "model"];

/** The filters of the review queue and the browse view; any change goes back to page 1. */
export function ItemFiltersBar({ filters, view, labels, annotators, onChange }: Props) {
  const set = (patch: Partial<ItemFilters>) => onChange({ ...filters, ...patch, page: 1 });
  // A choice made, the page's keys work again at once (a focused select would keep them).
  const pick = (e: Event, patch: Partial<ItemFilters>) => {
    (e.target as HTMLElement).blur();
    set(patch);
  };
  const check = (name: keyof ItemFilters, text: string) => (
    <label class="check">
      <input
        type="checkbox"
        data-testid={`filter-${name}`}
        checked={Boolean(filters[name])}
        onChange={(e) => pick(e, { [name]: (e.target as HTMLInputElement).checked })}
      />
      {text}
    </label>
  );
  return (
    <fieldset class="filters" aria-label="Filters">
      <select
        aria-label="Review state"
        data-testid="filter-state"
        value={filters.state}
        onChange={(e) => pick(e, { state: (e.target as HTMLSelectElement).value })}
      >
        {STATES.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      <select
        aria-label="Annotator"
        data-testid="filter-annotator"
        value={filters.annotator}
        onChange={(e) => pick(e, { annotator: (e.target as HTMLSelectElement).value })}
      >
        <option value="">every annotator</option>
        {annotators.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <select
        aria-label="Label"
        data-testid="filter-label"
        value={filters.label}
        onChange={(e) => pick(e, { label: (e.target as HTMLSelectElement).value })}
      >
        <option value="">any label</option>
        {labels.map((label) => (
          <option key={label} value={label}>
            {label}
          </option>
        ))}
      </select>
      {view === "browse" && (
        <>
          <select
            aria-label="Labeled"
            data-testid="filter-labeled"
            value={filters.labeled}
            onChange={(e) => pick(e, { labeled: (e.target as HTMLSelectElement).value })}
          >
            <option value="any">labeled or not</option>
            <option value="labeled">labeled</option>
            <option value="unlabeled">unlabeled</option>
          </select>
          <select
            aria-label="Source"
            data-testid="filter-source"
            value={filters.source}
            onChange={(e) => pick(e, { source: (e.target as HTMLSelectElement).value })}
          >
            <option value="">any source</option>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </>
      )}
      {check("conflicts", "conflicts")}
      {check("modelDisagrees", "model disagrees")}
      {check("lowAgreement", `agreement < ${filters.maxAgreement}`)}
      {check("ruleConflicts", "rule conflicts")}
      {check("labelIssues", "likely mislabeled")}
      {check("audit", "auto-labeled, audit")}
      {check("random", "random sample")}
    </fieldset>
  );
}
