// The page's own models: camelCase, built from the API payloads by mapping.ts.

import type { ActionBinding } from "../lib/keymap";
import type { AnnotationValue } from "./types";

export type { AnnotationValue };

export type Role = "annotator" | "reviewer" | "admin";

export interface Me {
  name: string;
  /** What the server lets this user do; the page hides what the role may not. */
  role: Role;
  isAdmin: boolean;
}

export interface Project {
  name: string;
  task: string;
  /** True when an item takes a set of labels rather than one. */
  multilabel: boolean;
  modality: string;
  labels: string[];
  /** label → key, as the server assigned them (final). */
  keys: Record<string, string>;
  actions: ActionBinding[];
  reservedKeys: string[];
  textColumn: string | null;
  retrainEvery: number;
  overlap: number;
  items: number;
  labeledItems: number;
}

export interface Suggestion {
  labels: string[];
  confidence: number;
}

export type SourceKind = "random" | "cold_start" | "active_learning" | string;

export interface TaskSource {
  kind: SourceKind;
  sessionId: number | null;
  strategy: string | null;
  score: number | null;
}

export interface Task {
  itemId: number;
  externalId: string;
  data: Record<string, unknown>;
  text: string | null;
  mediaUrl: string | null;
  suggestion: Suggestion | null;
  source: TaskSource | null;
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
  scoreMetric: "accuracy" | "subset_accuracy";
  accuracy: number | null;
  macroF1: number | null;
  perClass: Record<string, ClassFigures>;
  unlearned: string[];
  cvNote: string | null;
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
}
