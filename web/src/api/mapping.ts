// The one place where API payloads (snake_case) become page models (camelCase).

import type {
  Annotation,
  AnnotationValue,
  JsonValue,
  Me,
  NewAnnotation,
  Project,
  Stats,
  Suggestion,
  Task,
  TaskBatch,
  TaskSource,
} from "./models";
import type {
  AnnotationCreateRaw,
  AnnotationRaw,
  MeRaw,
  ProjectRaw,
  SourceRaw,
  StatsRaw,
  SuggestionRaw,
  TaskRaw,
  TasksRaw,
} from "./types";
import { actionNamed } from "../lib/keymap";
import { splitReviewActions } from "../lib/reviewKeys";

export function toMe(raw: MeRaw): Me {
  return { name: raw.name, role: raw.role, isAdmin: raw.role === "admin" };
}

export function toProject(raw: ProjectRaw): Project {
  return {
    name: raw.name,
    task: raw.task,
    // A server from before `editor` was sent: the task kind names its editor.
    editor: raw.editor ?? raw.task,
    modality: raw.modality,
    labels: raw.labels,
    keys: raw.keys ?? {},
    actions: (raw.actions ?? []).flatMap((a) => {
      const action = actionNamed(a.action);
      return action ? [{ action, keys: a.keys, description: a.description }] : [];
    }),
    // The rest are the task editor's to run (or to ignore).
    editorActions: (raw.actions ?? []).filter((a) => actionNamed(a.action) === null),
    reservedKeys: raw.reserved_keys ?? [],
    reviewActions: splitReviewActions(raw.review_actions ?? []).actions,
    parents: raw.parents ?? {},
    aliases: raw.aliases ?? {},
    textColumn: raw.text_column ?? null,
    retrainEvery: raw.retrain_every,
    overlap: raw.overlap,
    items: raw.items,
    labeledItems: raw.labeled_items,
  };
}

/** A value the API sent: it came from JSON, so it is JSON (the schema says only "any"). */
function toValue(raw: unknown): AnnotationValue {
  return (raw ?? null) as JsonValue;
}

function toSuggestion(raw: SuggestionRaw | null | undefined): Suggestion | null {
  if (!raw) return null;
  return {
    value: toValue(raw.label),
    confidence: raw.confidence,
    source: raw.source ?? "model",
    modelName: raw.model_name ?? null,
  };
}

function toSource(raw: SourceRaw | null | undefined): TaskSource | null {
  if (!raw) return null;
  return {
    kind: raw.kind,
    sessionId: raw.session_id ?? null,
    strategy: raw.strategy ?? null,
    score: raw.score ?? null,
  };
}

export function toTask(raw: TaskRaw): Task {
  return {
    itemId: raw.item_id,
    externalId: raw.external_id,
    data: raw.data ?? {},
    text: raw.text,
    mediaUrl: raw.media_url,
    suggestion: toSuggestion(raw.suggestion),
    source: toSource(raw.source),
    layout: raw.layout ? { direction: raw.layout.direction, tokens: raw.layout.tokens.map(([s, e]) => [s, e]) } : null,
    reviewNote: raw.review_note ?? null,
  };
}

export function toTaskBatch(raw: TasksRaw): TaskBatch {
  return {
    tasks: raw.data.map(toTask),
    queueSize: raw.queue_size,
    modelVersion: raw.model_version,
  };
}

export function toAnnotationPayload(a: NewAnnotation): AnnotationCreateRaw {
  return {
    item_id: a.itemId,
    value: a.value,
    session_id: a.sessionId,
    seconds_spent: a.secondsSpent,
    client_id: a.clientId,
    accepted_suggestion: a.acceptedSuggestion,
  };
}

export function toAnnotation(raw: AnnotationRaw): Annotation {
  return {
    id: raw.id,
    itemId: raw.item_id,
    externalId: raw.external_id,
    value: toValue(raw.value),
    annotator: raw.annotator ?? "",
    source: raw.source,
    status: raw.status,
    sessionId: raw.session_id,
    secondsSpent: raw.seconds_spent,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    text: raw.text ?? null,
  };
}

export function toStats(raw: StatsRaw): Stats {
  return {
    items: raw.items,
    labeledItems: raw.labeled_items,
    annotations: raw.annotations,
    labelCounts: raw.label_counts ?? {},
    byAnnotator: raw.by_annotator ?? {},
    bySource: raw.by_source ?? {},
    queueSize: raw.queue_size,
    model: raw.model
      ? {
          name: raw.model.name,
          cvScore: raw.model.cv_score,
          nLabels: raw.model.n_labels,
          createdAt: raw.model.created_at,
          scoreMetric: raw.model.score_metric ?? "accuracy",
          accuracy: raw.model.accuracy ?? raw.model.cv_score,
          macroF1: raw.model.macro_f1 ?? null,
          perClass: raw.model.per_class ?? {},
          unlearned: raw.model.unlearned ?? [],
          cvNote: raw.model.cv_note ?? null,
          modelSummary: raw.model.model_summary ?? null,
          featurizerSummary: raw.model.featurizer_summary ?? null,
          calibrationSummary: raw.model.calibration_summary ?? null,
        }
      : null,
    learningCurve: (raw.learning_curve ?? [])
      .filter((p) => p.cv_score !== null && Number.isFinite(p.cv_score))
      .map((p) => ({ nLabels: p.n_labels, cvScore: p.cv_score as number })),
    stopping: raw.stopping
      ? {
          kappa: raw.stopping.kappa ?? [],
          stableRounds: raw.stopping.stable_rounds,
          shouldStop: raw.stopping.should_stop,
          message: raw.stopping.message,
        }
      : null,
    review: raw.review ?? {},
    autoLabels: raw.auto_labels
      ? {
          autoLabeled: raw.auto_labels.auto_labeled ?? 0,
          audited: raw.auto_labels.audited ?? 0,
          auditedCorrect: raw.auto_labels.audited_correct ?? 0,
          auditedAccuracy: raw.auto_labels.audited_accuracy ?? null,
          auditWaiting: raw.auto_labels.audit_waiting ?? 0,
        }
      : undefined,
    training: raw.training
      ? {
          state: raw.training.state,
          labelsUntilRetrain: raw.training.labels_until_retrain,
          lastError: raw.training.last_error,
        }
      : null,
  };
}
