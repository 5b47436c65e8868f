// Payloads exactly as the HTTP API sends them (docs/api.md). snake_case lives only
// here and in mapping.ts; the rest of the page uses the camelCase models.

export type AnnotationValue = string | string[];

export interface MeRaw {
  name: string;
  role: "annotator" | "reviewer" | "admin";
  is_admin: boolean;
}

export interface ProjectRaw {
  name: string;
  task: string;
  modality: string;
  labels: string[];
  /** label → key, final: every label that has a key (activelabel/keymap.py). */
  keys: Record<string, string>;
  /** The page's actions and their keys on this project's modality. */
  actions: ActionKeysRaw[];
  /** Keys no label can take. */
  reserved_keys: string[];
  text_column: string | null;
  retrain_every: number;
  overlap: number;
  items: number;
  labeled_items: number;
}

export interface ActionKeysRaw {
  action: string;
  keys: string[];
  description: string;
}

export interface ProjectsRaw {
  data: ProjectRaw[];
  count: number;
}

export interface SuggestionRaw {
  label: AnnotationValue;
  confidence: number;
}

export interface SourceRaw {
  kind: string;
  session_id?: number | null;
  strategy?: string | null;
  score?: number | null;
}

export interface TaskRaw {
  item_id: number;
  external_id: string;
  data: Record<string, unknown>;
  text: string | null;
  media_url: string | null;
  suggestion: SuggestionRaw | null;
  source: SourceRaw | null;
  lease_expires_at: string | null;
}

export interface TasksRaw {
  data: TaskRaw[];
  queue_size: number;
  model_version: string | null;
}

export interface AnnotationCreateRaw {
  item_id: number;
  value: AnnotationValue;
  session_id: number | null;
  seconds_spent: number;
  client_id: string;
  accepted_suggestion: boolean;
}

export interface AnnotationRaw {
  id: number;
  item_id: number;
  external_id: string;
  value: AnnotationValue;
  annotator: string;
  source: string;
  status: string;
  session_id: number | null;
  seconds_spent: number | null;
  created_at: string;
  updated_at: string | null;
  text: string | null;
}

export interface AnnotationsRaw {
  data: AnnotationRaw[];
  count: number;
}

export interface ClassFiguresRaw {
  precision: number;
  recall: number;
  support: number;
}

export interface ModelRaw {
  name: string;
  cv_score: number | null;
  n_labels: number;
  created_at: string;
  score_metric: "accuracy" | "subset_accuracy";
  accuracy: number | null;
  macro_f1: number | null;
  per_class: Record<string, ClassFiguresRaw>;
  /** Classes the model never predicts right yet: its suggestions carry a warning. */
  unlearned: string[];
  cv_note: string | null;
}

export interface CurvePointRaw {
  n_labels: number;
  cv_score: number | null;
  name: string;
}

export interface StatsRaw {
  items: number;
  labeled_items: number;
  annotations: number;
  label_counts: Record<string, number>;
  by_annotator: Record<string, number>;
  by_source: Record<string, number>;
  queue_size: number;
  model: ModelRaw | null;
  learning_curve: CurvePointRaw[];
  stopping: {
    kappa: number[];
    stable_rounds: number;
    should_stop: boolean;
    message: string;
  } | null;
  training: {
    state: string;
    labels_until_retrain: number | null;
    last_error: string | null;
  } | null;
}

export interface ErrorRaw {
  ok: false;
  status: number;
  error: string;
  errors: { loc: (string | number)[]; msg: string }[];
}
