import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Annotation, Project } from "../api/models";
import { toLabels } from "../api/mapping";
import { formatLabels } from "../lib/format";
import { routeHref } from "../lib/route";

const PAGE = 50;

/** My recent labels, newest first, each one changeable or undoable. */
export function History({ api, project }: { api: ApiClient; project: Project }) {
  const [rows, setRows] = useState<Annotation[]>([]);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = async (beforeId?: number) => {
    setLoading(true);
    try {
      const page = await api.myAnnotations(project.name, PAGE, beforeId);
      setRows((old) => (beforeId === undefined ? page : [...old, ...page]));
      setMore(page.length === PAGE);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load();
  }, [api, project.name]);

  const replace = (old: Annotation, next: Annotation | null) =>
    setRows((list) => (next ? list.map((r) => (r.id === old.id ? next : r)) : list.filter((r) => r.id !== old.id)));

  return (
    <main class="page">
      <header class="bar">
        <a href={routeHref({ page: "label", project: project.name })}>← Back to labeling</a>
        <h1>History · {project.name}</h1>
      </header>
      {error && <p class="error">{error}</p>}
      {!loading && rows.length === 0 && !error && <p class="muted">You have not labeled anything here yet.</p>}
      <table class="history">
        <thead>
          <tr>
            <th>Item</th>
            <th>Content</th>
            <th>Label</th>
            <th>When</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <HistoryRow
              key={row.id}
              api={api}
              project={project}
              row={row}
              onChanged={(next) => replace(row, next)}
              onError={setError}
            />
          ))}
        </tbody>
      </table>
      {more && (
        <button type="button" disabled={loading} onClick={() => load(rows[rows.length - 1]?.id)}>
          Older
        </button>
      )}
    </main>
  );
}

interface RowProps {
  api: ApiClient;
  project: Project;
  row: Annotation;
  onChanged: (next: Annotation | null) => void;
  onError: (message: string) => void;
}

function HistoryRow({ api, project, row, onChanged, onError }: RowProps) {
  const [busy, setBusy] = useState(false);
  const current = toLabels(row.value);

  const run = async (call: () => Promise<Annotation | null>) => {
    setBusy(true);
    try {
      onChanged(await call());
    } catch (e) {
      onError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const change = (label: string) => {
    const value = project.multilabel
      ? current.includes(label)
        ? current.filter((l) => l !== label)
        : [...current, label]
      : label;
    if (!project.multilabel && label === row.value) return;
    void run(() => api.changeAnnotation(project.name, row.id, value));
  };

  return (
    <tr data-testid="history-row">
      <td class="external-id">{row.externalId}</td>
      <td class="snippet">{row.text ?? ""}</td>
      <td>
        <div class="chips">
          {project.labels.map((label) => (
            <button
              key={label}
              type="button"
              class={current.includes(label) ? "chip on" : "chip"}
              disabled={busy}
              aria-pressed={current.includes(label)}
              onClick={() => change(label)}
              title={`Change to ${label}`}
            >
              {label}
            </button>
          ))}
        </div>
        <span class="sr-only">{formatLabels(row.value)}</span>
      </td>
      <td class="muted">{new Date(row.createdAt).toLocaleString()}</td>
      <td>
        <button
          type="button"
          disabled={busy}
          onClick={() => run(async () => (await api.undoAnnotation(project.name, row.id), null))}
        >
          Undo
        </button>
      </td>
    </tr>
  );
}
