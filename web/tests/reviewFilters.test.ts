import { describe, expect, it } from "vitest";
import { annotatorsOf, BROWSE_DEFAULTS, filterQuery, mergedNames, queueReasons, REVIEW_DEFAULTS, sortedBy } from "../src/lib/reviewFilters";

const plain = { conflict: false, modelDisagrees: false, ruleConflict: false, agreement: 1, nAnnotators: 1, labelIssue: null };

describe("review filters", () => {
  it("asks the server for the queue by its default: labeled items not reviewed yet", () => {
    expect(filterQuery(REVIEW_DEFAULTS, "review").toString()).toBe("state=to_review&sort=id&order=asc&page=1&page_size=50");
  });

  it("turns each filter into the server's query parameter", () => {
    const q = filterQuery(
      { ...REVIEW_DEFAULTS, annotator: "alice", label: "spam", modelDisagrees: true, lowAgreement: true, ruleConflicts: true, conflicts: true },
      "review",
    );
    expect(q.get("annotator")).toBe("alice");
    expect(q.get("label")).toBe("spam");
    expect(q.get("model_disagrees")).toBe("true");
    expect(q.get("max_agreement")).toBe("0.7");
    expect(q.get("rule_conflicts")).toBe("true");
    expect(q.get("conflicts")).toBe("true");
  });

  it("lists the mislabel finder's items by rank and a random sample in a seeded order", () => {
    expect(filterQuery({ ...REVIEW_DEFAULTS, labelIssues: true }, "review").get("sort")).toBe("issue_rank");
    const sample = filterQuery({ ...REVIEW_DEFAULTS, random: true, seed: 7 }, "review");
    expect(sample.get("sort")).toBe("random");
    expect(sample.get("seed")).toBe("7");
  });

  it("sends the browse view's own filters only from the browse view", () => {
    const f = { ...BROWSE_DEFAULTS, labeled: "unlabeled", source: "import" };
    expect(filterQuery(f, "browse").get("labeled")).toBe("unlabeled");
    expect(filterQuery(f, "browse").get("state")).toBe("any");
    expect(filterQuery(f, "review").get("source")).toBeNull();
  });

  it("sorts by a column and flips the order on a second click", () => {
    const once = sortedBy(BROWSE_DEFAULTS, "score");
    expect([once.sort, once.order]).toEqual(["score", "desc"]);
    const twice = sortedBy(once, "score");
    expect([twice.sort, twice.order]).toEqual(["score", "asc"]);
  });

  it("says why an item is in the queue, a conflict first", () => {
    expect(queueReasons({ ...plain, conflict: true, nAnnotators: 2, agreement: 0.5 }, REVIEW_DEFAULTS)).toEqual([
      "conflict: the annotators disagree",
      "low agreement (0.50)",
    ]);
    expect(queueReasons({ ...plain, labelIssue: { rank: 3 }, modelDisagrees: true }, REVIEW_DEFAULTS)).toEqual([
      "the model disagrees",
      "likely mislabeled (#3)",
    ]);
    expect(queueReasons(plain, { ...REVIEW_DEFAULTS, random: true })).toEqual(["random sample"]);
  });

  it("offers every annotator whose labels the list shows, once each", () => {
    const items = [{ labels: [{ annotator: "bob" }, { annotator: null }] }, { labels: [{ annotator: "alice" }, { annotator: "bob" }] }];
    expect(mergedNames([], annotatorsOf(items))).toEqual(["alice", "bob"]);
    const known = ["alice", "bob"];
    expect(mergedNames(known, ["bob"])).toBe(known);
  });
});
