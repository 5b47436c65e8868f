import { describe, expect, it } from "vitest";
import { formatAutoLabels } from "../src/lib/format";
import { filterQuery, queueReasons, REVIEW_DEFAULTS } from "../src/lib/reviewFilters";

describe("the model's own labels", () => {
  it("shows how many the model labeled, how many were audited and the share kept", () => {
    expect(formatAutoLabels({ autoLabeled: 412, audited: 40, auditedAccuracy: 0.975 })).toBe(
      "412 · audited 40 · 97.5 % correct",
    );
  });

  it("names no share before any audit", () => {
    expect(formatAutoLabels({ autoLabeled: 12, audited: 0, auditedAccuracy: null })).toBe("12 · audited 0");
  });

  it("asks the review queue for the audits only when the filter is on", () => {
    expect(filterQuery(REVIEW_DEFAULTS, "review").has("audit")).toBe(false);
    expect(filterQuery({ ...REVIEW_DEFAULTS, audit: true }, "review").get("audit")).toBe("true");
  });

  it("says a model label in the queue is there as an audit", () => {
    const item = {
      conflict: false,
      modelDisagrees: false,
      ruleConflict: false,
      agreement: 1,
      nAnnotators: 1,
      labelIssue: null,
      labels: [{ source: "model" }],
    };
    expect(queueReasons(item, REVIEW_DEFAULTS)).toEqual(["auto-labeled by the model: audit"]);
    expect(queueReasons({ ...item, labels: [{ source: "human" }] }, REVIEW_DEFAULTS)).toEqual([
      "labeled, not reviewed yet",
    ]);
  });
});
