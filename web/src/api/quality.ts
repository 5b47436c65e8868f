// The API of label quality: the review queue and the browse view, reviews,
// agreement, gold scores, guidelines and the quality settings. Kept apart from
// client.ts (the labeling path) and called through its `request`, so the token,
// the CSRF header and the error shape are the same. Payloads in snake_case stay
// in this file; the page sees the camelCase models below.

import type { ApiClient } from "./client";
import { projectPath } from "./client";
import type { AnnotationValue, JsonValue, Suggestion } from "./models";
import type { components } from "./schema";

type Schemas = components["schemas"];
type ProjectRaw = Schemas["ProjectPublic"];

type ReviewItemRaw = Schemas["ReviewItemPublic"];
type ReviewItemsRaw = Schemas["ReviewItemsPublic"];
type ReviewCountsRaw = Schemas["ReviewCountsPublic"];
type ReviewRaw = Schemas["ReviewPublic"];
type ReviewCreateRaw = Schemas["ReviewCreate"];
type AgreementRaw = Schemas["AgreementPublic"];
type GoldScoresRaw = Schemas["GoldScoresPublic"];
type GuidelinesRaw = Schemas["GuidelinesPublic"];
type GuidelinesUpdateRaw = Schemas["GuidelinesUpdate"];

export type ReviewState = "unlabeled" | "labeled" | "accepted" | "corrected" | "rejected";

export interface ReviewLabel {
  annotationId: number;
  annotator: string | null;
  value: AnnotationValue;
  source: string;
  createdAt: string;
}

export interface ReviewRecord {
  decision: "accepted" | "corrected" | "rejected";
  reviewer: string | null;
  note: string | null;
  value: AnnotationValue;
  createdAt: string;
}

/** An item as the review page and the browse view show it. */
export interface ReviewItem {
  itemId: number;
  externalId: string;
  text: string | null;
  data: Record<string, unknown>;
  mediaUrl: string | null;
  /** The final label, null when the item has none (or a tie). */
  label: AnnotationValue | null;
  decidedBy: string | null;
  conflict: boolean;
  agreement: number | null;
  nAnnotators: number;
  labels: ReviewLabel[];
  reviewState: ReviewState;
  review: ReviewRecord | null;
  suggestion: Suggestion | null;
  score: number | null;
  modelDisagrees: boolean;
  ruleConflict: boolean;
  labelIssue: { rank: number; quality: number; suggested: AnnotationValue } | null;
  updatedAt: string | null;
}

export interface ReviewPage {
  items: ReviewItem[];
  count: number;
  page: number;
  pageSize: number;
}

export interface ReviewCounts {
  toReview: number;
  conflicts: number;
  accepted: number;
  corrected: number;
  rejected: number;
  labelIssues: number;
}

export type Decision =
  | { decision: "accept" }
  | { decision: "correct"; value: AnnotationValue }
  | { decision: "reject"; note: string };

/** How much a project's annotators agree (GET …/agreement). */
export interface Agreement {
  measure: string;
  items: number;
  observed: number | null;
  fleissKappa: number | null;
  krippendorffAlpha: number | null;
  meanPairKappa: number | null;
  meanPairF1: number | null;
  perAnnotator: { annotator: string; items: number; observed: number | null; kappa: number | null; f1: number | null }[];
}

export interface GoldScores {
  goldItems: number;
  goldRate: number;
  data: { annotator: string; answered: number; correct: number; accuracy: number | null }[];
}

export interface Guidelines {
  markdown: string;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface QualitySettings {
  overlap: number;
  overlapShare: number;
  goldRate: number;
  /** The confidence at which the model labels an item itself; null: off. */
  autoAccept: number | null;
  autoAcceptMax: number;
  /** The share of the model's own labels sent to review. */
  autoAcceptAudit: number;
}

function value(raw: unknown): AnnotationValue {
  return (raw ?? null) as JsonValue;
}

export function toReviewItem(raw: ReviewItemRaw): ReviewItem {
  return {
    itemId: raw.item_id,
    externalId: raw.external_id,
    text: raw.text,
    data: raw.data ?? {},
    mediaUrl: raw.media_url,
    label: raw.label === null || raw.label === undefined ? null : value(raw.label),
    decidedBy: raw.decided_by,
    conflict: raw.conflict,
    agreement: raw.agreement,
    nAnnotators: raw.n_annotators,
    labels: raw.labels.map((l) => ({
      annotationId: l.annotation_id,
      annotator: l.annotator,
      value: value(l.value),
      source: l.source,
      createdAt: l.created_at,
    })),
    reviewState: raw.review_state,
    review: raw.review
      ? {
          decision: raw.review.decision,
          reviewer: raw.review.reviewer,
          note: raw.review.note,
          value: value(raw.review.value),
          createdAt: raw.review.created_at,
        }
      : null,
    suggestion: raw.suggestion ? { value: value(raw.suggestion.label), confidence: raw.suggestion.confidence } : null,
    score: raw.score,
    modelDisagrees: raw.model_disagrees,
    ruleConflict: raw.rule_conflict,
    labelIssue: raw.label_issue
      ? { rank: raw.label_issue.rank, quality: raw.label_issue.quality, suggested: value(raw.label_issue.suggested) }
      : null,
    updatedAt: raw.updated_at,
  };
}

function toPage(raw: ReviewItemsRaw): ReviewPage {
  return { items: raw.data.map(toReviewItem), count: raw.count, page: raw.page, pageSize: raw.page_size };
}

export async function reviewQueue(api: ApiClient, project: string, query: URLSearchParams): Promise<ReviewPage> {
  return toPage(await api.request<ReviewItemsRaw>("GET", `${projectPath(project)}/review?${query.toString()}`));
}

export async function browseItems(api: ApiClient, project: string, query: URLSearchParams): Promise<ReviewPage> {
  return toPage(await api.request<ReviewItemsRaw>("GET", `${projectPath(project)}/browse?${query.toString()}`));
}

export async function reviewCounts(api: ApiClient, project: string): Promise<ReviewCounts> {
  const raw = await api.request<ReviewCountsRaw>("GET", `${projectPath(project)}/review/counts`);
  return {
    toReview: raw.to_review,
    conflicts: raw.conflicts,
    accepted: raw.accepted,
    corrected: raw.corrected,
    rejected: raw.rejected,
    labelIssues: raw.label_issues,
  };
}

/** Send a reviewer's decision; the item as it now stands comes back. */
export async function sendReview(api: ApiClient, project: string, itemId: number, decision: Decision): Promise<ReviewItem> {
  const body: ReviewCreateRaw = { item_id: itemId, decision: decision.decision };
  if (decision.decision === "correct") body.value = decision.value;
  if (decision.decision === "reject") body.note = decision.note;
  const raw = await api.request<ReviewRaw>("POST", `${projectPath(project)}/reviews`, body);
  return toReviewItem(raw.item);
}


export async function agreement(api: ApiClient, project: string): Promise<Agreement> {
  const raw = await api.request<AgreementRaw>("GET", `${projectPath(project)}/agreement`);
  return {
    measure: raw.measure,
    items: raw.items,
    observed: raw.observed,
    fleissKappa: raw.fleiss_kappa,
    krippendorffAlpha: raw.krippendorff_alpha,
    meanPairKappa: raw.mean_pair_kappa,
    meanPairF1: raw.mean_pair_f1,
    perAnnotator: raw.per_annotator,
  };
}


export async function goldScores(api: ApiClient, project: string): Promise<GoldScores> {
  const raw = await api.request<GoldScoresRaw>("GET", `${projectPath(project)}/gold-scores`);
  return { goldItems: raw.gold_items, goldRate: raw.gold_rate, data: raw.data };
}


export async function readGuidelines(api: ApiClient, project: string): Promise<Guidelines> {
  const raw = await api.request<GuidelinesRaw>("GET", `${projectPath(project)}/guidelines`);
  return { markdown: raw.markdown ?? "", updatedBy: raw.updated_by ?? null, updatedAt: raw.updated_at ?? null };
}

export async function saveGuidelines(api: ApiClient, project: string, markdown: string): Promise<Guidelines> {
  const body: GuidelinesUpdateRaw = { markdown };
  const raw = await api.request<GuidelinesRaw>("PUT", `${projectPath(project)}/guidelines`, body);
  return { markdown: raw.markdown ?? markdown, updatedBy: raw.updated_by ?? null, updatedAt: raw.updated_at ?? null };
}

function toSettings(raw: ProjectRaw): QualitySettings {
  return {
    overlap: raw.overlap,
    overlapShare: raw.overlap_share ?? 1,
    goldRate: raw.gold_rate ?? 0,
    autoAccept: raw.auto_accept ?? null,
    autoAcceptMax: raw.auto_accept_max ?? 100,
    autoAcceptAudit: raw.auto_accept_audit ?? 0.1,
  };
}

export async function readQualitySettings(api: ApiClient, project: string): Promise<QualitySettings> {
  return toSettings(await api.request<ProjectRaw>("GET", projectPath(project)));
}

export async function saveQualitySettings(api: ApiClient, project: string, settings: QualitySettings): Promise<QualitySettings> {
  const body: Schemas["ProjectUpdate"] = {
    overlap: settings.overlap,
    overlap_share: settings.overlapShare,
    gold_rate: settings.goldRate,
    // Sent even when null: an explicit null switches auto-labeling off.
    auto_accept: settings.autoAccept,
    auto_accept_max: settings.autoAcceptMax,
    auto_accept_audit: settings.autoAcceptAudit,
  };
  return toSettings(await api.request<ProjectRaw>("PATCH", projectPath(project), body));
}

/**
 * Withdraw every label the model gave itself that no reviewer decided on, and switch
 * auto-labeling off (admins); returns how many labels were withdrawn.
 */
export async function undoAutoLabels(api: ApiClient, project: string): Promise<number> {
  const raw = await api.request<Schemas["AutoLabelsUndonePublic"]>("POST", `${projectPath(project)}/auto-labels/undo`);
  return raw.undone;
}
