import { useCallback, useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Annotation, AnnotationValue, Project } from "../api/models";
import { formatValue } from "../lib/format";
import { routeHref } from "../lib/route";
import { editorFor } from "../tasks";

const PAGE = 50;

/** My recent labels, newest first, each one changeable or undoable. */
export function History({ api, project }: { api: ApiClient; project: Project }) {
  const [rows, setRows] = useState<Annotation[]>([]);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (beforeId?: number) => {
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
  }, [api, project.name]);

  useEffect(() => {
    void load();
  }, [load]);

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
  const editor = editorFor(project);

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

  const change = (value: AnnotationValue) => {
    void run(() => api.changeAnnotation(project.name, row.id, value));
  };

  const undo = async () => {
    await api.undoAnnotation(project.name, row.id);
    return null;
  };

  return (
    <tr data-testid="history-row">
      <td class="external-id">{row.externalId}</td>
      <td class="snippet">{row.text ?? ""}</td>
      <td>
        {editor ? (
          <editor.HistoryCell project={project} value={row.value} text={row.text} busy={busy} onChange={change} />
        ) : (
          <span class="snippet">{formatValue(row.value)}</span>
        )}
      </td>
      <td class="muted">{new Date(row.createdAt).toLocaleString()}</td>
      <td>
        <button
          type="button"
          disabled={busy}
          onClick={() => run(undo)}
        >
          Undo
        </button>
      </td>
    </tr>
  );
}
