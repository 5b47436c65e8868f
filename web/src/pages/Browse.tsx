import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { AnnotationValue, Project } from "../api/models";
import { browseItems, type ReviewPage } from "../api/quality";
import { ItemFiltersBar } from "../components/ItemFiltersBar";
import { formatPercent, formatValue } from "../lib/format";
import { annotatorsOf, BROWSE_DEFAULTS, type ItemFilters, type SortKey, filterQuery, sortedBy, mergedNames } from "../lib/reviewFilters";
import { routeHref } from "../lib/route";
import { editorFor } from "../tasks";
import "../components/review.css";

interface Props {
  api: ApiClient;
  project: Project;
  canManage: boolean;
}

/**
 * Every item of the project in a table (what Label Studio calls its data
 * manager): the review queue's filters plus unlabeled items and the source of
 * their labels, with the model's score and suggestion and the review state;
 * paged, sorted by a click on a column's header.
 */
export function Browse({ api, project }: Props) {
  const editor = editorFor(project);
  const [filters, setFilters] = useState<ItemFilters>(BROWSE_DEFAULTS);
  const [page, setPage] = useState<ReviewPage | null>(null);
  const [annotators, setAnnotators] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    setLoading(true);
    browseItems(api, project.name, filterQuery(filters, "browse"))
      .then((p) => {
        setPage(p);
        setAnnotators((known) => mergedNames(known, annotatorsOf(p.items)));
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setLoading(false));
  }, [api, project.name, filters]);

  useEffect(() => {
    api
      .stats(project.name)
      .then((s) => setAnnotators((known) => mergedNames(known, Object.keys(s.byAnnotator))))
      .catch(() => undefined);
  }, [api, project.name]);

  const format = (v: AnnotationValue) => (editor ? editor.format(v) : formatValue(v));
  const pages = page ? Math.max(1, Math.ceil(page.count / page.pageSize)) : 1;

  const header = (key: SortKey | null, text: string) => {
    if (key === null) return <th>{text}</th>;
    const active = filters.sort === key && !filters.random;
    const arrow = active ? (filters.order === "asc" ? " ▲" : " ▼") : "";
    return (
      <th aria-sort={active ? (filters.order === "asc" ? "ascending" : "descending") : undefined}>
        <button type="button" class="link" data-testid={`sort-${key}`} onClick={() => setFilters(sortedBy(filters, key))}>
          {text}
          {arrow}
        </button>
      </th>
    );
  };

  return (
    <main class="page browse-page">
      <header class="bar">
        <a href={routeHref({ page: "label", project: project.name })}>← Labeling</a>
        <h1>Browse · {project.name}</h1>
        <nav>
          <a href={routeHref({ page: "review", project: project.name })}>Review</a>
        </nav>
      </header>
      <ItemFiltersBar filters={filters} view="browse" labels={project.labels} annotators={annotators} onChange={setFilters} />
      {error && <p class="error">{error}</p>}
      <p class="muted" data-testid="browse-count">
        {page ? `${page.count} items` : loading ? "Loading…" : ""}
      </p>
      <table class="history browse" data-testid="browse-table">
        <thead>
          <tr>
            {header("id", "Item")}
            {header(null, "Content")}
            {header(null, "Label")}
            {header(null, "Labels by")}
            {header("agreement", "Agreement")}
            {header(null, "Review")}
            {header("confidence", "Suggestion")}
            {header("score", "Score")}
            {header("updated", "Updated")}
          </tr>
        </thead>
        <tbody>
          {page?.items.map((item) => (
            <tr key={item.itemId} data-testid="browse-row" class={item.conflict ? "conflict" : undefined}>
              <td class="external-id">{item.externalId}</td>
              <td class="snippet">{item.text ?? formatValue(Object.values(item.data)[0])}</td>
              <td>
                {item.label === null ? <span class="muted">—</span> : format(item.label)}
                {item.conflict && <span class="badge reason conflict">conflict</span>}
                {item.decidedBy && <small class="muted"> · {item.decidedBy}</small>}
              </td>
              <td class="muted">
                {item.labels.map((l) => `${l.annotator ?? l.source}: ${format(l.value)}`).join("; ") || "—"}
              </td>
              <td>{item.agreement === null ? "—" : formatPercent(item.agreement)}</td>
              <td data-testid="browse-review-state">{item.reviewState}</td>
              <td>
                {item.suggestion ? format(item.suggestion.value) : "—"}
                {item.suggestion?.confidence != null && (
                  <small class="muted"> {formatPercent(item.suggestion.confidence)}</small>
                )}
                {item.modelDisagrees && <span class="badge reason">disagrees</span>}
              </td>
              <td>{item.score === null ? "—" : item.score.toFixed(3)}</td>
              <td class="muted">{item.updatedAt ? new Date(item.updatedAt).toLocaleString() : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row pager">
        <button
          type="button"
          disabled={filters.page <= 1 || loading}
          onClick={() => setFilters({ ...filters, page: filters.page - 1 })}
        >
          Previous
        </button>
        <span data-testid="browse-page">
          page {filters.page} of {pages}
        </span>
        <button
          type="button"
          disabled={filters.page >= pages || loading}
          onClick={() => setFilters({ ...filters, page: filters.page + 1 })}
        >
          Next
        </button>
      </div>
    </main>
  );
}
