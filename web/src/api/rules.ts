// The labeling functions ("rules") of a project: the API calls of the Rules
// page and their models (docs/api.md, "Rules"). snake_case stays in this file.

import type { ApiClient } from "./client";
import type { AnnotationValue, JsonValue } from "./models";
import type { components } from "./schema";

type Schemas = components["schemas"];
export type RulesRaw = Schemas["RulesPublic"];
export type RuleRaw = Schemas["LabelingFunctionPublic"];
export type RuleStatsRaw = Schemas["LabelingFunctionStatsPublic"];
export type VoteFiguresRaw = Schemas["VoteFiguresPublic"];
export type DisagreementsRaw = Schemas["DisagreementsPublic"];
export type DisagreementRaw = Schemas["DisagreementPublic"];
export type KeywordRuleCreateRaw = Schemas["KeywordFunctionCreate"];
export type RegexRuleCreateRaw = Schemas["RegexFunctionCreate"];

export interface RuleStats {
  coverage: number;
  overlap: number;
  conflict: number;
  /** label → items it voted that label on. */
  emitted: Record<string, number>;
  /** Share right on human-labeled items; null when it voted on none. */
  accuracy: number | null;
  /** Human-labeled items it voted on. */
  nAccuracy: number;
  estimatedAccuracy: number | null;
}

export interface Rule {
  name: string;
  kind: "keywords" | "regex" | "python" | "alias";
  label: string | null;
  keywords: string[] | null;
  pattern: string | null;
  caseSensitive: boolean | null;
  enabled: boolean;
  disabledReason: string | null;
  version: number;
  /** Its current version was applied; `stats` are from that. */
  applied: boolean;
  stats: RuleStats | null;
}

export interface VoteFigures {
  accuracy: number | null;
  n: number;
  coverage: number;
}

export interface Rules {
  rules: Rule[];
  labelModel: VoteFigures | null;
  majorityVote: VoteFigures | null;
}

export interface Disagreement {
  itemId: number;
  externalId: string;
  text: string | null;
  human: AnnotationValue;
  weak: AnnotationValue;
  confidence: number | null;
  /** function → the label(s) it voted. */
  votes: Record<string, AnnotationValue>;
}

/** What the Rules page's form adds: keywords or a regex. */
export type NewRule =
  | { kind: "keywords"; name: string; label: string; keywords: string[]; caseSensitive: boolean }
  | { kind: "regex"; name: string; label: string; pattern: string };

function toStats(raw: RuleStatsRaw | null | undefined): RuleStats | null {
  if (!raw) return null;
  return {
    coverage: raw.coverage,
    overlap: raw.overlap,
    conflict: raw.conflict,
    emitted: raw.emitted,
    accuracy: raw.accuracy,
    nAccuracy: raw.n_accuracy,
    estimatedAccuracy: raw.estimated_accuracy,
  };
}

export function toRule(raw: RuleRaw): Rule {
  return {
    name: raw.name,
    kind: raw.kind,
    label: raw.label,
    keywords: raw.keywords ?? null,
    pattern: raw.pattern ?? null,
    caseSensitive: raw.case_sensitive ?? null,
    enabled: raw.enabled,
    disabledReason: raw.disabled_reason,
    version: raw.version,
    applied: raw.applied,
    stats: toStats(raw.stats),
  };
}

function toFigures(raw: VoteFiguresRaw | null | undefined): VoteFigures | null {
  return raw ? { accuracy: raw.accuracy, n: raw.n, coverage: raw.coverage } : null;
}

export function toRules(raw: RulesRaw): Rules {
  return {
    rules: raw.data.map(toRule),
    labelModel: toFigures(raw.label_model),
    majorityVote: toFigures(raw.majority_vote),
  };
}

export function toDisagreement(raw: DisagreementRaw): Disagreement {
  return {
    itemId: raw.item_id,
    externalId: raw.external_id,
    text: raw.text,
    human: (raw.human ?? null) as JsonValue,
    weak: (raw.weak ?? null) as JsonValue,
    confidence: raw.confidence,
    votes: raw.votes as Record<string, JsonValue>,
  };
}

export function toRulePayload(rule: NewRule): KeywordRuleCreateRaw | RegexRuleCreateRaw {
  if (rule.kind === "regex") return { kind: "regex", name: rule.name, label: rule.label, pattern: rule.pattern };
  return {
    kind: "keywords",
    name: rule.name,
    label: rule.label,
    keywords: rule.keywords,
    case_sensitive: rule.caseSensitive,
  };
}

/** "prize, winner,,claim " → ["prize", "winner", "claim"]. */
export function splitKeywords(text: string): string[] {
  return text
    .split(",")
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

const rulesPath = (project: string) => `/projects/${encodeURIComponent(project)}/rules`;

export async function listRules(api: ApiClient, project: string): Promise<Rules> {
  return toRules(await api.request<RulesRaw>("GET", rulesPath(project)));
}

export async function addRule(api: ApiClient, project: string, rule: NewRule): Promise<Rule> {
  return toRule(await api.request<RuleRaw>("POST", rulesPath(project), toRulePayload(rule)));
}

export async function removeRule(api: ApiClient, project: string, name: string): Promise<void> {
  await api.request<void>("DELETE", `${rulesPath(project)}/${encodeURIComponent(name)}`);
}

export async function listDisagreements(api: ApiClient, project: string, limit = 100): Promise<Disagreement[]> {
  const raw = await api.request<DisagreementsRaw>("GET", `${rulesPath(project)}/disagreements?limit=${limit}`);
  return raw.data.map(toDisagreement);
}
