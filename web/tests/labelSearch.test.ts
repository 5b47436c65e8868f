import { describe, expect, it } from "vitest";
import {
  ancestorPath,
  foldForSearch,
  impliedParents,
  labelGroups,
  labelTree,
  matchRank,
  searchLabels,
  treeParents,
  wantsSearch,
} from "../src/tasks/labelButtons/labelSearch";

// A cut of the Made With ML taxonomy (tags.json: tag, aliases, parents).
const LABELS = [
  "3d",
  "computer-vision",
  "segmentation",
  "semantic-segmentation",
  "natural-language-processing",
  "transformers",
  "vision-transformers",
  "pytorch",
  "graph-neural-networks",
];
const PARENTS = {
  "3d": ["computer-vision"],
  segmentation: ["computer-vision"],
  "semantic-segmentation": ["segmentation"],
  transformers: ["natural-language-processing"],
  "vision-transformers": ["computer-vision", "transformers"],
};
const ALIASES = { cv: "computer-vision", nlp: "natural-language-processing", gnn: "graph-neural-networks", torch: "pytorch" };

const found = (query: string) => searchLabels(LABELS, query, { parents: PARENTS, aliases: ALIASES }).map((m) => m.label);

describe("label search", () => {
  it("reads dashes, underscores and case as the same", () => {
    expect(foldForSearch("  Natural-Language_Processing ")).toBe("natural language processing");
  });

  it("ranks the same name, then a start, then a word start, then anywhere", () => {
    expect(matchRank("segmentation", "segmentation")).toBe(0);
    expect(matchRank("segmentation", "seg")).toBe(1);
    expect(matchRank("semantic segmentation", "seg")).toBe(2);
    expect(matchRank("pytorch", "torch")).toBe(3);
    expect(matchRank("graph neural networks", "gra net")).toBe(4);
    expect(matchRank("pytorch", "tensorflow")).toBeNull();
    expect(matchRank("pytorch", "")).toBeNull();
  });

  it("puts the best match first, so Enter gives the label typed", () => {
    expect(found("seg")).toEqual(["segmentation", "semantic-segmentation"]);
    expect(found("transformers")).toEqual(["transformers", "vision-transformers"]);
    expect(found("vision")).toEqual(["vision-transformers", "computer-vision"]);
  });

  it("finds a label by its alias, after the labels found by their own name", () => {
    expect(found("nlp")).toEqual(["natural-language-processing"]);
    expect(found("torch")).toEqual(["pytorch"]);
    const [match] = searchLabels(LABELS, "gnn", { aliases: ALIASES });
    expect(match).toEqual({ label: "graph-neural-networks", alias: "gnn", path: [] });
    // "cv" is inside no label's name: its alias finds computer-vision.
    expect(found("cv")).toEqual(["computer-vision"]);
  });

  it("ignores aliases of labels the project does not have", () => {
    expect(searchLabels(["pytorch"], "jax", { aliases: { jax: "jax-lib" } })).toEqual([]);
  });

  it("finds nothing for an empty query and at most the limit", () => {
    expect(found("   ")).toEqual([]);
    expect(searchLabels(LABELS, "e", { limit: 3 })).toHaveLength(3);
  });

  it("gives each match the parents above it, the root first", () => {
    const [match] = searchLabels(LABELS, "semantic", { parents: PARENTS });
    expect(match.path).toEqual(["computer-vision", "segmentation"]);
    expect(ancestorPath("3d", PARENTS, new Set(LABELS))).toEqual(["computer-vision"]);
  });

  it("searches 400 labels the way it searches nine", () => {
    const many = Array.from({ length: 400 }, (_, i) => `tag-${i}`);
    expect(searchLabels(many, "tag 39", { limit: 5 }).map((m) => m.label)).toEqual([
      "tag-39",
      "tag-390",
      "tag-391",
      "tag-392",
      "tag-393",
    ]);
  });
});

describe("label tree", () => {
  it("lists each label under its parents, depth by depth, in the project's order", () => {
    const rows = labelTree(LABELS, PARENTS).map((r) => `${"  ".repeat(r.depth)}${r.label}`);
    expect(rows).toEqual([
      "computer-vision",
      "  3d",
      "  segmentation",
      "    semantic-segmentation",
      "  vision-transformers",
      "natural-language-processing",
      "  transformers",
      "    vision-transformers",
      "pytorch",
      "graph-neural-networks",
    ]);
  });

  it("gives every row a key of its own, also for a label under two parents", () => {
    const keys = labelTree(LABELS, PARENTS).map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain("natural-language-processing/transformers/vision-transformers");
  });

  it("marks the labels that others sit under", () => {
    const parents = labelTree(LABELS, PARENTS)
      .filter((r) => r.hasChildren)
      .map((r) => r.label);
    expect(parents).toEqual(["computer-vision", "segmentation", "natural-language-processing", "transformers"]);
  });

  it("is the labels in order without a taxonomy", () => {
    expect(labelTree(["b", "a"], {}).map((r) => [r.label, r.depth])).toEqual([
      ["b", 0],
      ["a", 0],
    ]);
  });

  it("lists a label once under a parent and that parent's parent, at the deeper place", () => {
    const parents = { ...PARENTS, "semantic-segmentation": ["computer-vision", "segmentation"] };
    const rows = labelTree(LABELS, parents).filter((r) => r.label === "semantic-segmentation");
    expect(rows.map((r) => r.key)).toEqual(["computer-vision/segmentation/semantic-segmentation"]);
    expect(treeParents("semantic-segmentation", parents, new Set(LABELS))).toEqual(["segmentation"]);
    expect(ancestorPath("semantic-segmentation", parents, new Set(LABELS))).toEqual(["computer-vision", "segmentation"]);
  });

  it("treats a parent the project does not have as no parent", () => {
    expect(labelTree(["3d"], { "3d": ["computer-vision"] }).map((r) => r.depth)).toEqual([0]);
  });

  it("lists every label once even when the parents make a cycle", () => {
    const rows = labelTree(["a", "b", "c"], { a: ["b"], b: ["a"] });
    expect(rows.map((r) => r.label).sort()).toEqual(["a", "b", "c"]);
  });

  it("cuts the tree into top-level groups", () => {
    const groups = labelGroups(labelTree(LABELS, PARENTS));
    expect(groups.map((g) => [g.root.label, g.rows.length])).toEqual([
      ["computer-vision", 4],
      ["natural-language-processing", 2],
      ["pytorch", 0],
      ["graph-neural-networks", 0],
    ]);
  });
});

describe("parents of chosen labels", () => {
  it("are every ancestor of a chosen label, not the chosen ones", () => {
    expect([...impliedParents(["semantic-segmentation"], PARENTS)].sort()).toEqual(["computer-vision", "segmentation"]);
    expect([...impliedParents(["vision-transformers", "transformers"], PARENTS)].sort()).toEqual([
      "computer-vision",
      "natural-language-processing",
    ]);
    expect(impliedParents(["pytorch"], PARENTS).size).toBe(0);
  });

  it("stop at a cycle", () => {
    expect([...impliedParents(["a"], { a: ["b"], b: ["a"] })]).toEqual(["b"]);
  });
});

describe("the search box", () => {
  it("shows for many labels or a taxonomy, not for a few labels on keys", () => {
    expect(wantsSearch(["ham", "spam"], {})).toBe(false);
    expect(wantsSearch(Array.from({ length: 10 }, (_, i) => `l${i}`), {})).toBe(true);
    expect(wantsSearch(["a", "b"], { a: ["b"] })).toBe(true);
  });
});
