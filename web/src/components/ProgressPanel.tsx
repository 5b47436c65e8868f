import { useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import { clearImportedOrder, describeCleared } from "../api/importedOrder";
import type { ModelFigures, Project, Stats } from "../api/models";
import { formatAutoLabels, formatScore, TOP_LABEL_COUNTS, topCounts } from "../lib/format";
import { LineChart } from "./LineChart";
import { QualityPanel } from "./QualityPanel";

interface Props {
  api: ApiClient;
  project: Project;
  stats: Stats | null;
  queueSize: number | null;
  onRetrain: () => Promise<void>;
  /** Admin: "Retrain now" and the exports (the server refuses them to others). */
  canManage: boolean;
  /** Reviewer or admin: the agreement between annotators. */
  canReview: boolean;
}

/** What the model's cross-validated figure measures, as the panel names it. */
const SCORE_NAMES: Record<ModelFigures["scoreMetric"], string> = {
  accuracy: "Accuracy",
  subset_accuracy: "Subset accuracy",
  entity_f1: "Entity F1",
  map50: "mAP@0.5",
};

function scoreName(metric: ModelFigures["scoreMetric"] | undefined): string {
  return SCORE_NAMES[metric ?? "accuracy"];
}

const EXPORTS = [
  { format: "csv", dataset: "labels", title: "Labels (CSV)" },
  { format: "parquet", dataset: "labels", title: "Labels (Parquet)" },
  { format: "csv", dataset: "annotations", title: "Annotations (CSV)" },
  { format: "jsonl", dataset: "annotations", title: "Annotations (JSONL)" },
  // The unlabeled items scored by the newest model (margin), best first: what
  // `activelabel query NAME -o queries.csv` writes.
  { format: "csv", dataset: "queries", title: "Queries (CSV)" },
];

export function ProgressPanel({ api, project, stats, queueSize, onRetrain, canManage, canReview }: Props) {
  const [retraining, setRetraining] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const labeled = stats?.labeledItems ?? project.labeledItems;
  const total = stats?.items ?? project.items;
  const queue = stats?.queueSize ?? queueSize;
  const model = stats?.model ?? null;

  const retrain = async () => {
    setRetraining(true);
    setError(null);
    try {
      await onRetrain();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRetraining(false);
    }
  };

  return (
    <aside class="panel" aria-label="Progress">
      <section>
        <h3>Progress</h3>
        <p class="big" data-testid="progress-labeled">
          {labeled} / {total}
        </p>
        <div class="meter" aria-hidden="true">
          <div style={{ width: `${total > 0 ? (100 * labeled) / total : 0}%` }} />
        </div>
        <dl>
          <dt>Queue</dt>
          <dd data-testid="queue-size">{queue ?? "—"}</dd>
          {stats?.autoLabels && (stats.autoLabels.autoLabeled > 0 || stats.autoLabels.audited > 0) && (
            <>
              <dt title="Items the model labeled itself (auto-accept), and the share of the audited ones reviewers kept">
                Auto-labeled
              </dt>
              <dd data-testid="auto-labeled">{formatAutoLabels(stats.autoLabels)}</dd>
            </>
          )}
          <dt>Model</dt>
          <dd data-testid="model-version">{model?.name ?? "none yet"}</dd>
          <dt>{scoreName(model?.scoreMetric)}</dt>
          <dd data-testid="model-accuracy">{formatScore(model?.accuracy)}</dd>
          <dt>Macro-F1</dt>
          <dd data-testid="model-macro-f1">{formatScore(model?.macroF1)}</dd>
          <dt>Training</dt>
          <dd data-testid="training-state">
            {stats?.training?.state ?? "—"}
            {stats?.training?.labelsUntilRetrain != null && stats.training.state === "idle"
              ? ` · next in ${stats.training.labelsUntilRetrain} labels`
              : ""}
          </dd>
        </dl>
        {model && <ModelDetails model={model} />}
        {stats?.training?.lastError && <p class="error">Last training failed: {stats.training.lastError}</p>}
        {canManage && (
          <button type="button" data-testid="retrain" onClick={retrain} disabled={retraining}>
            {retraining ? "Queued…" : "Retrain now"}
          </button>
        )}
        {error && <p class="error">{error}</p>}
      </section>
      <section>
        <h3>{scoreName(model?.scoreMetric)} over labels</h3>
        <LineChart points={stats?.learningCurve ?? []} />
        {stats?.stopping && (
          <p class={stats.stopping.shouldStop ? "stop yes" : "stop"} data-testid="stopping">
            {stats.stopping.message}
          </p>
        )}
      </section>
      <section>
        <h3>Annotators</h3>
        {stats && Object.keys(stats.byAnnotator).length > 0 ? (
          <table class="counts">
            <tbody>
              {Object.entries(stats.byAnnotator)
                .sort((a, b) => b[1] - a[1])
                .map(([name, count]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td>{count}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No labels yet.</p>
        )}
        {stats && Object.keys(stats.labelCounts).length > 0 && <LabelCounts counts={stats.labelCounts} />}
      </section>
      <QualityPanel
        api={api}
        project={project.name}
        review={stats?.review}
        canReview={canReview}
        canManage={canManage}
      />
      {canManage && (
        <section>
          <h3>Export</h3>
          <ul class="exports">
            {EXPORTS.map((e) => (
              <li key={`${e.dataset}.${e.format}`}>
                <ExportLink api={api} project={project.name} {...e} />
              </li>
            ))}
          </ul>
          <ImportedOrderClear api={api} project={project.name} />
        </section>
      )}
    </aside>
  );
}

/**
 * Items per label: a long schema (400 tags) lists its largest counts, and the rest one
 * click away.
 */
function LabelCounts({ counts }: { counts: Record<string, number> }) {
  const [all, setAll] = useState(false);
  const { shown, hidden } = topCounts(counts, TOP_LABEL_COUNTS, all);
  const many = Object.keys(counts).length > TOP_LABEL_COUNTS;
  return (
    <>
      <h3>Labels</h3>
      <table class="counts" data-testid="label-counts">
        <tbody>
          {shown.map(([label, count]) => (
            <tr key={label}>
              <td>{label}</td>
              <td>{count}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {many && (
        <button type="button" class="link" data-testid="label-counts-toggle" onClick={() => setAll((a) => !a)}>
          {all ? `Show the top ${TOP_LABEL_COUNTS}` : `Show all ${shown.length + hidden} labels`}
        </button>
      )}
    </>
  );
}

/**
 * Per-class recall and precision, one click away, and the classes the model has not
 * learned. Accuracy alone misleads on unbalanced labels: a model that always answers
 * the majority class scores the majority's share.
 */
function ModelDetails({ model }: { model: ModelFigures }) {
  const classes = Object.entries(model.perClass);
  return (
    <>
      {model.modelSummary && (
        <p class="muted" data-testid="model-summary">
          {model.modelSummary}
        </p>
      )}
      {model.featurizerSummary && (
        <p class="muted" data-testid="model-featurizer">
          {model.featurizerSummary}
        </p>
      )}
      {model.calibrationSummary && (
        <p class="muted" data-testid="model-calibration">
          {model.calibrationSummary}
        </p>
      )}
      {model.unlearned.length > 0 && (
        <p class="error" data-testid="model-unlearned">
          Not learned yet: {model.unlearned.join(", ")} (never predicted right in cross-validation).
        </p>
      )}
      <details data-testid="model-details">
        <summary>Per-class recall</summary>
        {classes.length > 0 ? (
          <table class="class-figures">
            <thead>
              <tr>
                <th>class</th>
                <th>recall</th>
                <th>precision</th>
                <th>items</th>
              </tr>
            </thead>
            <tbody>
              {classes.map(([label, f]) => (
                <tr key={label} class={model.unlearned.includes(label) ? "unlearned" : undefined}>
                  <td>{label}</td>
                  <td>{formatScore(f.recall)}</td>
                  <td>{formatScore(f.precision)}</td>
                  <td>{f.support}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No per-class figures for this model.</p>
        )}
        <p class="muted">
          Cross-validated on {model.nLabels} labels{model.cvNote ? `: ${model.cvNote}` : "."}
        </p>
      </details>
    </>
  );
}

/**
 * The end of the order a queries file set (`import --as-queries`), asked then confirmed:
 * its items return to the pool, as `activelabel clear-queries` does.
 */
function ImportedOrderClear({ api, project }: { api: ApiClient; project: string }) {
  const [state, setState] = useState<"idle" | "asking" | "working">("idle");
  const [said, setSaid] = useState<string | null>(null);
  const clear = async () => {
    setState("working");
    try {
      setSaid(describeCleared(await clearImportedOrder(api, project)));
    } catch (err) {
      setSaid(err instanceof Error ? err.message : String(err));
    } finally {
      setState("idle");
    }
  };
  return (
    <>
      {state === "idle" ? (
        <button type="button" class="link" data-testid="clear-imported-order" onClick={() => setState("asking")}>
          End the imported order…
        </button>
      ) : (
        <p>
          Stop serving the items of an imported queries file first?{" "}
          <button type="button" data-testid="confirm-clear-imported-order" disabled={state === "working"} onClick={clear}>
            End it
          </button>{" "}
          <button type="button" disabled={state === "working"} onClick={() => setState("idle")}>
            Keep it
          </button>
        </p>
      )}
      {said && (
        <p class="muted" data-testid="clear-imported-order-result">
          {said}
        </p>
      )}
    </>
  );
}

function ExportLink(props: { api: ApiClient; project: string; format: string; dataset: string; title: string }) {
  const { api, project, format, dataset, title } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const href = api.exportUrl(project, format, dataset);
  const filename = `${project}-${dataset}.${format}`;
  const onClick = async (e: MouseEvent) => {
    // A plain link cannot carry the token; with one, fetch the file and save it. The
    // queries file is always fetched: it takes seconds to score and is refused until a
    // model is trained, and a refusal is shown as the server's sentence, not saved.
    if (!api.authHeaders().Authorization && dataset !== "queries") return;
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const blob = await api.blob(href);
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = filename;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <a data-testid="export-link" href={href} download={filename} onClick={onClick} aria-busy={busy}>
        {title}
      </a>
      {busy && <span class="muted"> preparing…</span>}
      {error && (
        <p class="error" data-testid="export-error">
          {error}
        </p>
      )}
    </>
  );
}
