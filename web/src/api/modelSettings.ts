// How a project's model learns (model, AutoML budget, featurizer, augmentation): the
// settings an admin changes in the page's Model dialog, as `activelabel settings`
// changes them. Payloads in snake_case stay in this file.

import type { ApiClient } from "./client";
import { projectPath } from "./client";
import type { ProjectRaw, ProjectUpdateRaw as ProjectUpdate } from "./types";

/** The classifiers a project can choose; null is the default (logistic regression). */
export const MODELS = ["logistic", "gradient_boosting", "auto"] as const;
export type ModelChoice = (typeof MODELS)[number];

/** How a project's model learns, as the server stores it; null: the default. */
export interface ModelSettings {
  model: ModelChoice | null;
  /** Seconds an AutoML search may take (model auto). */
  automlBudget: number;
  featurizer: string | null;
  /** The featurizers the project's modality can use. */
  featurizers: string[];
  /** The featurizer used when none is chosen. */
  defaultFeaturizer: string | null;
  augment: boolean | null;
  /** Whether the modality augments when augment is null; null: it has no augmentation. */
  augmentDefault: boolean | null;
}

/** The dialog's fields as typed: "" is the default of a choice. */
export interface ModelSettingsForm {
  model: string;
  automlBudget: string;
  featurizer: string;
  augment: "" | "on" | "off";
}

function isModel(name: string | null | undefined): name is ModelChoice {
  return (MODELS as readonly string[]).includes(name ?? "");
}

export function toModelSettings(raw: ProjectRaw): ModelSettings {
  return {
    model: isModel(raw.model) ? raw.model : null,
    automlBudget: raw.automl_budget ?? 60,
    featurizer: raw.featurizer ?? null,
    featurizers: raw.featurizers ?? [],
    defaultFeaturizer: raw.default_featurizer ?? null,
    augment: raw.augment ?? null,
    augmentDefault: raw.augment_default ?? null,
  };
}

export function toModelSettingsForm(s: ModelSettings): ModelSettingsForm {
  return {
    model: s.model ?? "",
    automlBudget: String(s.automlBudget),
    featurizer: s.featurizer ?? "",
    augment: s.augment === null ? "" : s.augment ? "on" : "off",
  };
}

/**
 * The PATCH body of what the form changed from `saved` (a setting left as it was is not
 * sent, so a featurizer chosen earlier is not checked again); a choice set back to its
 * default is sent as an explicit null. Whether a value can be used is the server's to say,
 * in the sentence `activelabel settings` says; only a budget that is no number at all is
 * refused here, since JSON cannot carry it.
 */
export function modelSettingsChange(
  saved: ModelSettings,
  form: ModelSettingsForm,
): { body: ProjectUpdate; error: null } | { body: null; error: string } {
  const body: ProjectUpdate = {};
  const model = form.model === "" ? null : form.model;
  if (model !== saved.model) body.model = model;
  const budget = Number(form.automlBudget.trim() === "" ? Number.NaN : form.automlBudget);
  if (!Number.isFinite(budget)) {
    return { body: null, error: `The AutoML time budget must be a number of seconds; got “${form.automlBudget}”.` };
  }
  if (budget !== saved.automlBudget) body.automl_budget = budget;
  const featurizer = form.featurizer === "" ? null : form.featurizer;
  if (featurizer !== saved.featurizer) body.featurizer = featurizer;
  const augment = form.augment === "" ? null : form.augment === "on";
  if (augment !== saved.augment) body.augment = augment;
  return { body, error: null };
}

export async function readModelSettings(api: ApiClient, project: string): Promise<ModelSettings> {
  return toModelSettings(await api.request<ProjectRaw>("GET", projectPath(project)));
}

export async function saveModelSettings(api: ApiClient, project: string, body: ProjectUpdate): Promise<ModelSettings> {
  return toModelSettings(await api.request<ProjectRaw>("PATCH", projectPath(project), body));
}
