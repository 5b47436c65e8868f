import { describe, expect, it } from "vitest";
import { toReviewItem } from "../src/api/quality";

describe("review items from the API", () => {
  it("keeps each annotator's label under their name and the reasons the item is listed", () => {
    const item = toReviewItem({
      item_id: 7,
      external_id: "t1",
      text: "WIN a prize",
      data: { text: "WIN a prize" },
      media_url: null,
      label: null,
      decided_by: "tie",
      conflict: true,
      agreement: 0.5,
      n_annotators: 2,
      labels: [
        { annotation_id: 1, annotator: "alice", value: "ham", source: "human", created_at: "2026-01-01T00:00:00Z" },
        { annotation_id: 2, annotator: "bob", value: "spam", source: "human", created_at: "2026-01-01T00:01:00Z" },
      ],
      review_state: "labeled",
      review: null,
      suggestion: { label: "spam", confidence: 0.9 },
      score: null,
      model_disagrees: true,
      rule_conflict: false,
      label_issue: { rank: 2, quality: 0.1, suggested: "spam" },
      updated_at: null,
    });
    expect(item.labels.map((l) => [l.annotator, l.value])).toEqual([
      ["alice", "ham"],
      ["bob", "spam"],
    ]);
    expect(item.label).toBeNull();
    expect(item.conflict).toBe(true);
    expect(item.suggestion).toEqual({ value: "spam", confidence: 0.9 });
    expect(item.labelIssue).toEqual({ rank: 2, quality: 0.1, suggested: "spam" });
  });
});
