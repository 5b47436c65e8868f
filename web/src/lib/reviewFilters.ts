// The filters of the review queue and the browse view, as the page holds them
// and as the API reads them (server/review_schemas.py ReviewQuery, BrowseQuery),
// and why an item is in the queue. Pure functions, unit-tested.

export type ReviewView = "review" | "browse";
export type SortKey = "id" | "score" | "confidence" | "agreement" | "updated" | "issue_rank" | "random";

export interface ItemFilters {
  /** to_review | accepted | corrected | rejected | reviewed | any */
  state: string;
  /** A user name, or "" for every annotator. */
  annotator: string;
  /** A label, or "" for any. */
  label: string;
  conflicts: boolean;
  modelDisagrees: boolean;
  /** Only items whose agreement is below `maxAgreement`. */
  lowAgreement: boolean;
  maxAgreement: number;
  ruleConflicts: boolean;
  /** The mislabel finder's list, most likely first. */
  labelIssues: boolean;
  /** The model's own labels routed to review as an audit (auto-accept). */
  audit: boolean;
  /** A random sample: the items in a random order (the seed keeps it while paging). */
  random: boolean;
  seed: number;
  /** Browse view only: any | labeled | unlabeled. */
  labeled: string;
  /** Browse view only: the source of an active label (human, import, rule, model, review), or "". */
  source: string;
  sort: SortKey;
  order: "asc" | "desc";
  page: number;
  pageSize: number;
}

export const REVIEW_DEFAULTS: ItemFilters = {
  state: "to_review",
  annotator: "",
  label: "",
  conflicts: false,
  modelDisagrees: false,
  lowAgreement: false,
  maxAgreement: 0.7,
  ruleConflicts: false,
  labelIssues: false,
  audit: false,
  random: false,
  seed: 1,
  labeled: "any",
  source: "",
  sort: "id",
  order: "asc",
  page: 1,
  pageSize: 50,
};

export const BROWSE_DEFAULTS: ItemFilters = { ...REVIEW_DEFAULTS, state: "any" };

/** The query string of a list's filters. */
export function filterQuery(f: ItemFilters, view: ReviewView): URLSearchParams {
  const q = new URLSearchParams();
  q.set("state", f.state);
  if (f.annotator) q.set("annotator", f.annotator);
  if (f.label) q.set("label", f.label);
  if (f.conflicts) q.set("conflicts", "true");
  if (f.modelDisagrees) q.set("model_disagrees", "true");
  if (f.lowAgreement) q.set("max_agreement", String(f.maxAgreement));
  if (f.ruleConflicts) q.set("rule_conflicts", "true");
  if (f.labelIssues) q.set("label_issues", "true");
  if (f.audit) q.set("audit", "true");
  // A sample and the finder's ranking each bring their own order.
  let sort: SortKey = f.sort;
  if (f.random) sort = "random";
  else if (f.labelIssues && f.sort === "id") sort = "issue_rank";
  q.set("sort", sort);
  q.set("order", f.order);
  if (sort === "random") q.set("seed", String(f.seed));
  if (view === "browse") {
    if (f.labeled !== "any") q.set("labeled", f.labeled);
    if (f.source) q.set("source", f.source);
  }
  q.set("page", String(f.page));
  q.set("page_size", String(f.pageSize));
  return q;
}

/** A column header's click: sort by it, or flip its order when it already sorts. */
export function sortedBy(f: ItemFilters, key: SortKey): ItemFilters {
  if (f.sort === key && !f.random) return { ...f, order: f.order === "asc" ? "desc" : "asc", page: 1 };
  return { ...f, sort: key, order: key === "id" ? "asc" : "desc", random: false, page: 1 };
}

/** What an item shows of itself for the reasons it is listed. */
export interface Flagged {
  conflict: boolean;
  modelDisagrees: boolean;
  ruleConflict: boolean;
  agreement: number | null;
  nAnnotators: number;
  labelIssue: { rank: number } | null;
  /** The item's active labels, by source (a model label is an audit). */
  labels?: readonly { source: string }[];
}

/**
 * Why an item is in the review queue, most pressing first: a conflict, the model
 * disagrees, low agreement, a rule conflict, likely mislabeled; else it was
 * drawn at random (a sample) or is simply labeled and not reviewed yet.
 */
export function queueReasons(item: Flagged, f: Pick<ItemFilters, "random" | "maxAgreement">): string[] {
  const reasons: string[] = [];
  if (item.conflict) reasons.push("conflict: the annotators disagree");
  if (item.modelDisagrees) reasons.push("the model disagrees");
  if (item.nAnnotators > 1 && item.agreement !== null && item.agreement < f.maxAgreement) {
    reasons.push(`low agreement (${item.agreement.toFixed(2)})`);
  }
  if (item.ruleConflict) reasons.push("a rule gives another label");
  if (item.labelIssue) reasons.push(`likely mislabeled (#${item.labelIssue.rank})`);
  if (item.labels?.some((l) => l.source === "model")) reasons.push("auto-labeled by the model: audit");
  if (reasons.length === 0) reasons.push(f.random ? "random sample" : "labeled, not reviewed yet");
  return reasons;
}

/** The people whose labels the items show. */
export function annotatorsOf(items: readonly { labels: readonly { annotator: string | null }[] }[]): string[] {
  return items.flatMap((item) => item.labels.flatMap((l) => (l.annotator ? [l.annotator] : [])));
}

/** The names known so far and the new ones, each once, sorted; the same list when nothing is new. */
export function mergedNames(known: string[], more: readonly string[]): string[] {
  const fresh = more.filter((name) => !known.includes(name));
  if (fresh.length === 0) return known;
  return [...known, ...new Set(fresh)].sort();
}
