import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import { type Agreement, agreement, type GoldScores, goldScores } from "../api/quality";
import { formatPercent, formatScore } from "../lib/format";
import "./review.css";

interface Props {
  api: ApiClient;
  project: string;
  /** Items by review state, from the stats. */
  review: Record<string, number> | undefined;
  /** Reviewers and admins see agreement, overall and per annotator (the server allows both). */
  canReview: boolean;
  /** Admins also see each annotator's accuracy on the gold items (an admin-only route). */
  canManage: boolean;
}

/** Agreement is computed over every overlapped label: asked for when shown, then this often. */
const REFRESH_MS = 15_000;

const REVIEW_ROWS: [string, string][] = [
  ["accepted", "accepted"],
  ["corrected", "corrected"],
  ["rejected", "rejected"],
  ["conflicts", "conflicts"],
  ["to_review", "to review"],
];

/**
 * The progress panel's quality section: review counts; for reviewers and admins, agreement;
 * for admins, gold accuracy too.
 */
export function QualityPanel({ api, project, review, canReview, canManage }: Props) {
  const [figures, setFigures] = useState<Agreement | null>(null);
  const [gold, setGold] = useState<GoldScores | null>(null);

  useEffect(() => {
    if (!canReview && !canManage) return;
    const ask = () => {
      agreement(api, project)
        .then(setFigures)
        .catch(() => setFigures(null));
      if (!canManage) return;
      goldScores(api, project)
        .then(setGold)
        .catch(() => setGold(null));
    };
    ask();
    const timer = window.setInterval(ask, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [api, project, canReview, canManage]);

  const hasReview = review && Object.values(review).some((n) => n > 0);
  const annotators = new Map<string, { kappa: number | null; f1: number | null; gold: number | null; answered: number }>();
  for (const a of figures?.perAnnotator ?? []) annotators.set(a.annotator, { kappa: a.kappa, f1: a.f1, gold: null, answered: 0 });
  for (const g of gold?.data ?? []) {
    const row = annotators.get(g.annotator) ?? { kappa: null, f1: null, gold: null, answered: 0 };
    annotators.set(g.annotator, { ...row, gold: g.accuracy, answered: g.answered });
  }
  const usesF1 = figures?.measure === "exact_spans" || figures?.measure === "matched_boxes";

  return (
    <>
      <section data-testid="quality-panel">
      <h3>Review</h3>
      {hasReview ? (
        <table class="counts" data-testid="panel-review-counts">
          <tbody>
            {REVIEW_ROWS.map(([key, name]) => (
              <tr key={key}>
                <td>{name}</td>
                <td data-testid={`panel-review-${key}`}>{review?.[key] ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">Nothing reviewed yet.</p>
      )}
      </section>
      {(canReview || canManage) && (
        <section>
          <h3>Agreement</h3>
          {figures && figures.items > 0 ? (
            <p class="muted" data-testid="panel-agreement">
              {usesF1
                ? `F1 between annotators ${formatScore(figures.meanPairF1)}`
                : `Krippendorff's α ${formatScore(figures.krippendorffAlpha)} · Fleiss' κ ${formatScore(figures.fleissKappa)}`}{" "}
              over {figures.items} items labeled twice or more
            </p>
          ) : (
            <p class="muted">No item labeled by two annotators yet (set an overlap).</p>
          )}
          {annotators.size > 0 && (
            <table class="quality-table" data-testid="panel-annotator-quality">
              <thead>
                <tr>
                  <th>annotator</th>
                  <th>{usesF1 ? "F1" : "κ"}</th>
                  {canManage && <th>gold</th>}
                </tr>
              </thead>
              <tbody>
                {[...annotators.entries()].map(([name, a]) => (
                  <tr key={name} data-testid={`quality-${name}`}>
                    <td>{name}</td>
                    <td>{formatScore(usesF1 ? a.f1 : a.kappa)}</td>
                    {canManage && (
                      <td data-testid={`gold-accuracy-${name}`}>
                        {a.gold === null ? "—" : `${formatPercent(a.gold)} of ${a.answered}`}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {gold && gold.goldItems > 0 && (
            <p class="muted">
              {gold.goldItems} gold items, served at {formatPercent(gold.goldRate)} of tasks
            </p>
          )}
        </section>
      )}
    </>
  );
}
