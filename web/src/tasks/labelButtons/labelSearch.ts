// Many labels: finding one by typing, and the labels laid out under their
// parents (the project's taxonomy). Pure functions, unit-tested; the label
// button editor (LabelButtons.tsx) draws what they return.

/** label → its parent labels, as the project's taxonomy gives them. */
export type Parents = Readonly<Record<string, readonly string[]>>;
/** alias → label, as the project's taxonomy gives them. */
export type Aliases = Readonly<Record<string, string>>;

/** A label found by a search, and the words that found it. */
export interface LabelMatch {
  label: string;
  /** The alias the query matched, when the label's own name did not. */
  alias: string | null;
  /** Its ancestors, the root first ("computer-vision › segmentation"). */
  path: string[];
}

/** Lower case, with "-", "_" and runs of spaces read as one space. */
export function foldForSearch(text: string): string {
  return text
    .toLowerCase()
    .replace(/[-_\s]+/g, " ")
    .trim();
}

/**
 * How well `name` answers `query` (both folded): 0 the same, 1 it starts with
 * the query, 2 one of its words does, 3 the query is inside it, 4 every word
 * of the query starts a word of the name ("neu net" → "neural networks"),
 * null not at all.
 */
export function matchRank(name: string, query: string): number | null {
  if (query.length === 0) return null;
  if (name === query) return 0;
  if (name.startsWith(query)) return 1;
  if (name.includes(` ${query}`)) return 2;
  if (name.includes(query)) return 3;
  const words = name.split(" ");
  const parts = query.split(" ");
  if (parts.length > 1 && parts.every((p) => words.some((w) => w.startsWith(p)))) return 4;
  return null;
}

/**
 * The labels a query finds, best first: a label's own name before its
 * aliases, then by `matchRank`, then in the project's order. An empty query
 * finds nothing. At most `limit` are returned.
 */
export function searchLabels(
  labels: readonly string[],
  query: string,
  { parents = {}, aliases = {}, limit = Number.POSITIVE_INFINITY }: { parents?: Parents; aliases?: Aliases; limit?: number } = {},
): LabelMatch[] {
  const folded = foldForSearch(query);
  if (folded.length === 0) return [];
  const known = new Set(labels);
  const byLabel = new Map<string, string[]>();
  for (const [alias, label] of Object.entries(aliases)) {
    if (!known.has(label)) continue;
    const list = byLabel.get(label);
    if (list) list.push(alias);
    else byLabel.set(label, [alias]);
  }
  const found: { label: string; alias: string | null; rank: number; order: number }[] = [];
  labels.forEach((label, order) => {
    const own = matchRank(foldForSearch(label), folded);
    if (own !== null) {
      found.push({ label, alias: null, rank: own, order });
      return;
    }
    let best: { alias: string; rank: number } | null = null;
    for (const alias of byLabel.get(label) ?? []) {
      const rank = matchRank(foldForSearch(alias), folded);
      if (rank !== null && (best === null || rank < best.rank)) best = { alias, rank };
    }
    // After every label found by its own name.
    if (best) found.push({ label, alias: best.alias, rank: best.rank + 10, order });
  });
  found.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return found.slice(0, limit).map(({ label, alias }) => ({ label, alias, path: ancestorPath(label, parents, known) }));
}

/**
 * The longest chain of parents above `label`, the root first, within `known`
 * labels ("computer-vision › segmentation" for semantic-segmentation, whose
 * parents are both).
 */
export function ancestorPath(label: string, parents: Parents, known: ReadonlySet<string>): string[] {
  const longest = (current: string, branch: ReadonlySet<string>): string[] => {
    let best: string[] = [];
    for (const up of parents[current] ?? []) {
      if (!known.has(up) || branch.has(up)) continue;
      const path = [...longest(up, new Set(branch).add(up)), up];
      if (path.length > best.length) best = path;
    }
    return best;
  };
  return longest(label, new Set([label]));
}

/**
 * A label's parents in the tree: its parents among `known` labels, less those
 * that are already above another of its parents (semantic-segmentation sits
 * under segmentation, not under computer-vision a second time).
 */
export function treeParents(label: string, parents: Parents, known: ReadonlySet<string>): string[] {
  const up = (parents[label] ?? []).filter((p) => known.has(p) && p !== label);
  return up.filter((p) => !up.some((q) => q !== p && ancestorPath(q, parents, known).includes(p)));
}

/** One line of the label tree: a label, how deep it sits, whether labels sit under it. */
export interface TreeRow {
  label: string;
  depth: number;
  hasChildren: boolean;
  /** The branch down to it ("computer-vision/segmentation/…"): unique per row. */
  key: string;
}

/**
 * The labels as a tree: labels without a parent (among the project's labels)
 * at depth 0, in the project's order, each followed by its children, and
 * theirs. A label with two parents is listed under each (`treeParents`). A cycle (the server
 * refuses them) is cut where it would repeat a label of the branch. Without
 * parents, it is the labels in order, all at depth 0.
 */
export function labelTree(labels: readonly string[], parents: Parents): TreeRow[] {
  const known = new Set(labels);
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const label of labels) {
    const up = treeParents(label, parents, known);
    if (up.length === 0) roots.push(label);
    for (const parent of up) {
      const list = children.get(parent);
      if (list) list.push(label);
      else children.set(parent, [label]);
    }
  }
  const rows: TreeRow[] = [];
  const listed = new Set<string>();
  const walk = (label: string, depth: number, branch: readonly string[]) => {
    const under = (children.get(label) ?? []).filter((c) => !branch.includes(c));
    const here = [...branch, label];
    rows.push({ label, depth, hasChildren: under.length > 0, key: here.join("/") });
    listed.add(label);
    for (const child of under) walk(child, depth + 1, here);
  };
  for (const root of roots) walk(root, 0, []);
  // Labels only reachable through a cycle: listed at the top level so none is lost.
  for (const label of labels) if (!listed.has(label)) walk(label, 0, []);
  return rows;
}

/**
 * The ancestors of the given labels that are not given themselves: what the
 * taxonomy adds when the labels are stored, shown checked beside them.
 */
export function impliedParents(given: Iterable<string>, parents: Parents): Set<string> {
  const chosen = new Set(given);
  const implied = new Set<string>();
  const stack = [...chosen];
  while (stack.length > 0) {
    const label = stack.pop() as string;
    for (const parent of parents[label] ?? []) {
      if (chosen.has(parent) || implied.has(parent)) continue;
      implied.add(parent);
      stack.push(parent);
    }
  }
  return implied;
}

/** Whether a project has so many labels (or a taxonomy) that its editor shows the search box. */
export function wantsSearch(labels: readonly string[], parents: Parents): boolean {
  return labels.length > SEARCH_FROM || Object.keys(parents).length > 0;
}

/** Above this many labels the editor shows the label search box. */
export const SEARCH_FROM = 9;

/** The tree's top-level labels with the rows under each (empty for a label alone). */
export interface LabelGroup {
  root: TreeRow;
  rows: TreeRow[];
}

/** The tree cut into its top-level groups, in the tree's order. */
export function labelGroups(tree: readonly TreeRow[]): LabelGroup[] {
  const groups: LabelGroup[] = [];
  for (const row of tree) {
    if (row.depth === 0) groups.push({ root: row, rows: [] });
    else groups[groups.length - 1]?.rows.push(row);
  }
  return groups;
}
