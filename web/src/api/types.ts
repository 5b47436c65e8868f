// Payloads exactly as the HTTP API sends them. They come from schema.d.ts, which
// `scripts/openapi` generates from the server's OpenAPI schema (server/schemas.py),
// so a change on the server shows up here as a type error, not as a bug at run
// time. snake_case lives only here and in mapping.ts; the rest of the page uses
// the camelCase models.

import type { components } from "./schema";

type Schemas = components["schemas"];

export type MeRaw = Schemas["UserPublic"];
export type ProjectRaw = Schemas["ProjectPublic"];
export type ActionKeysRaw = Schemas["ActionKeysPublic"];
export type ProjectsRaw = Schemas["ProjectsPublic"];
export type ProjectUpdateRaw = Schemas["ProjectUpdate"];
export type SuggestionRaw = Schemas["Suggestion"];
export type SourceRaw = Schemas["TaskSource"];
export type TaskRaw = Schemas["Task"];
export type TasksRaw = Schemas["TasksPublic"];
export type TasksRequestRaw = Schemas["TasksRequest"];
export type AnnotationCreateRaw = Schemas["AnnotationCreate"];
export type AnnotationUpdateRaw = Schemas["AnnotationUpdate"];
export type AnnotationRaw = Schemas["AnnotationPublic"];
export type AnnotationsRaw = Schemas["AnnotationsPublic"];
export type ClassFiguresRaw = Schemas["ClassFiguresPublic"];
export type ModelRaw = Schemas["ModelFiguresPublic"];
export type CsrfRaw = Schemas["CsrfPublic"];

/** A point of the learning curve. */
export interface CurvePointRaw {
  n_labels: number;
  cv_score: number | null;
  name: string;
}

/**
 * The stats. The schema types the learning curve, the stopping signal and the
 * training state as free-form objects; the shapes below are what the server puts
 * in them (server/routes/stats.py), and mapping.ts reads them defensively.
 */
export type StatsRaw = Omit<Schemas["StatsPublic"], "learning_curve" | "stopping" | "training"> & {
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
};

/**
 * The body of every error answer (server/errors.py, error_body). It is not in the
 * OpenAPI schema: FastAPI documents its own validation error shape instead.
 */
export interface ErrorRaw {
  ok: false;
  status: number;
  error: string;
  errors: { loc: (string | number)[]; msg: string }[];
}
