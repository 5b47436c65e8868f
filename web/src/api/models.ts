// The page's own models: camelCase, built from the API payloads by mapping.ts.

import type { ActionBinding, EditorActionBinding } from "../lib/keymap";
import type { ReviewAction } from "../lib/reviewKeys";

/** Any value JSON can hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A label as the API carries it: one label (classification), a list of labels
 * (multilabel), a list of spans or boxes… Only the project's task editor
 * (src/tasks/) looks inside it.
 */
export type AnnotationValue = JsonValue;

export type Role = "annotator" | "reviewer" | "admin";

export interface Me {
  name: string;
  /** What the server lets this user do; the page hides what the role may not. */
  role: Role;
  isAdmin: boolean;
}

export interface Project {
  name: string;
  /** The task kind: classification, multilabel, ner, detection. */
  task: string;
  /** The page's editor for this task: a folder of src/tasks/ (see tasks/index.ts). */
  editor: string;
  modality: string;
  labels: string[];
  /** label → key, as the server assigned them (final). */
  keys: Record<string, string>;
  actions: ActionBinding[];
  /** The server's actions this page leaves to the task editor. */
  editorActions: EditorActionBinding[];
  reservedKeys: string[];
  /** The review page's actions (keymap.py REVIEW_ACTIONS); the editor's own keys are `editorActions`. */
  reviewActions: ActionBinding<ReviewAction>[];
  /** The taxonomy: label → its parent labels (added when the label is given). */
  parents: Record<string, string[]>;
  /** The taxonomy: alias → label. */
  aliases: Record<string, string>;
  textColumn: string | null;
  retrainEvery: number;
  overlap: number;
  items: number;
  labeledItems: number;
}

export interface Suggestion {
  /** The model's label for the item, shaped as the task's values are. */
  value: AnnotationValue;
  confidence: number | null;
  /** Who suggested it: the round's model, the label model over the labeling functions ("rules"), or another model's imported prediction. Absent: the model. */
  source?: "model" | "rules" | "prediction";
  /** The imported model's name, for a prediction. */
  modelName?: string | null;
}

export type SourceKind = "random" | "cold_start" | "active_learning" | string;

export interface TaskSource {
  kind: SourceKind;
  sessionId: number | null;
  strategy: string | null;
  score: number | null;
}

/** How a span editor lays out a task's text (tasks whose values are spans of it). */
export interface TextLayout {
  direction: "ltr" | "rtl";
  /** `[start, end)` of each token, in reading order: code-point offsets into the task's `text`. */
  tokens: [number, number][];
}

export interface Task {
  itemId: number;
  externalId: string;
  data: Record<string, unknown>;
  text: string | null;
  mediaUrl: string | null;
  suggestion: Suggestion | null;
  source: TaskSource | null;
  /** Null for tasks that label the item as a whole. */
  layout: TextLayout | null;
  /** A reviewer rejected this item's earlier label and says why (it came back to its annotator). */
  reviewNote?: string | null;
}

export interface TaskBatch {
  tasks: Task[];
  queueSize: number;
  modelVersion: string | null;
}

export interface NewAnnotation {
  itemId: number;
  value: AnnotationValue;
  sessionId: number | null;
  secondsSpent: number;
  clientId: string;
  acceptedSuggestion: boolean;
}

export interface Annotation {
  id: number;
  itemId: number;
  externalId: string;
  value: AnnotationValue;
  annotator: string;
  source: string;
  status: string;
  sessionId: number | null;
  secondsSpent: number | null;
  createdAt: string;
  updatedAt: string | null;
  text: string | null;
}

export interface CurvePoint {
  nLabels: number;
  cvScore: number;
}

export interface ClassFigures {
  precision: number;
  recall: number;
  support: number;
}

/** The latest model's cross-validated figures, each named. */
export interface ModelFigures {
  name: string;
  cvScore: number | null;
  nLabels: number;
  createdAt: string;
  /** What `accuracy` measures: plain accuracy, or subset accuracy (multi-label). */
  scoreMetric: "accuracy" | "subset_accuracy" | "entity_f1" | "map50";
  accuracy: number | null;
  macroF1: number | null;
  perClass: Record<string, ClassFigures>;
  unlearned: string[];
  cvNote: string | null;
  /** How an AutoML project's model was chosen (winner vs logistic); null otherwise. */
  modelSummary: string | null;
  /** The featurizer an `auto` project uses and what it was compared with; null otherwise. */
  featurizerSummary: string | null;
  /** Whether confidences are calibrated, with the held-out calibration error. */
  calibrationSummary: string | null;
}

export interface Stats {
  items: number;
  labeledItems: number;
  annotations: number;
  labelCounts: Record<string, number>;
  byAnnotator: Record<string, number>;
  bySource: Record<string, number>;
  queueSize: number;
  model: ModelFigures | null;
  learningCurve: CurvePoint[];
  stopping: { kappa: number[]; stableRounds: number; shouldStop: boolean; message: string } | null;
  training: { state: string; labelsUntilRetrain: number | null; lastError: string | null } | null;
  /** Items by review state: to_review, conflicts, accepted, corrected, rejected, label_issues. */
  review?: Record<string, number>;
  /** The model's own labels (auto_accept) and what their audit found. */
  autoLabels?: AutoLabels;
}

/** Items the model labeled itself, and how many of the audited ones reviewers kept. */
export interface AutoLabels {
  autoLabeled: number;
  audited: number;
  auditedCorrect: number;
  /** auditedCorrect / audited; null before any audit. */
  auditedAccuracy: number | null;
  auditWaiting: number;
}
