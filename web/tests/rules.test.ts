import { describe, expect, it } from "vitest";
import { splitKeywords, toDisagreement, toRulePayload, toRules } from "../src/api/rules";
import { describeRule, formatAccuracy, ruleState } from "../src/components/rules/RuleTable";

// A payload shaped as GET /rules sends it (server/rule_schemas.py).
const RAW = {
  data: [
    {
      name: "prize-words",
      kind: "keywords" as const,
      label: "spam",
      keywords: ["prize", "winner"],
      pattern: null,
      case_sensitive: false,
      enabled: true,
      disabled_reason: null,
      version: 2,
      applied: true,
      created_at: "2026-12-03T10:00:00Z",
      stats: {
        coverage: 0.12,
        overlap: 0.05,
        conflict: 0.01,
        emitted: { spam: 72 },
        accuracy: 0.93,
        n_accuracy: 15,
        estimated_accuracy: 0.9,
      },
    },
    {
      name: "money",
      kind: "regex" as const,
      label: "spam",
      keywords: null,
      pattern: "£\\d+",
      case_sensitive: null,
      enabled: false,
      disabled_reason: "It raised on item 4.",
      version: 1,
      applied: false,
      created_at: "2026-12-03T10:00:00Z",
      stats: null,
    },
  ],
  count: 2,
  label_model: { accuracy: 0.91, n: 120, coverage: 0.43 },
  majority_vote: null,
};

describe("rules", () => {
  it("reads the functions, their figures and the label model", () => {
    const rules = toRules(RAW);
    expect(rules.rules.map((r) => r.name)).toEqual(["prize-words", "money"]);
    expect(rules.rules[0].stats?.nAccuracy).toBe(15);
    expect(rules.rules[0].stats?.estimatedAccuracy).toBe(0.9);
    expect(rules.rules[1].stats).toBeNull();
    expect(rules.labelModel).toEqual({ accuracy: 0.91, n: 120, coverage: 0.43 });
    expect(rules.majorityVote).toBeNull();
  });

  it("says what a function looks for and what state it is in", () => {
    const [prize, money] = toRules(RAW).rules;
    expect(describeRule(prize)).toBe("prize, winner");
    expect(describeRule(money)).toBe("/£\\d+/");
    expect(ruleState(prize)).toBe("applied");
    expect(ruleState(money)).toBe("disabled: It raised on item 4.");
    expect(ruleState({ ...prize, applied: false })).toBe("not applied yet");
  });

  it("never shows an accuracy without the number of items it was measured on", () => {
    const [prize] = toRules(RAW).rules;
    expect(formatAccuracy(prize.stats)).toBe("0.93 on 15");
    expect(formatAccuracy(null)).toBe("—");
    expect(formatAccuracy(prize.stats && { ...prize.stats, accuracy: null, nAccuracy: 0 })).toBe("— (no labeled item)");
  });

  it("splits the form's keywords on commas and drops empty ones", () => {
    expect(splitKeywords(" prize, winner,,claim now ,")).toEqual(["prize", "winner", "claim now"]);
    expect(splitKeywords("   ")).toEqual([]);
  });

  it("sends keywords or a regex as the API's two kinds", () => {
    expect(
      toRulePayload({ kind: "keywords", name: "w", label: "spam", keywords: ["win"], caseSensitive: true }),
    ).toEqual({ kind: "keywords", name: "w", label: "spam", keywords: ["win"], case_sensitive: true });
    expect(toRulePayload({ kind: "regex", name: "m", label: "spam", pattern: "£\\d+" })).toEqual({
      kind: "regex",
      name: "m",
      label: "spam",
      pattern: "£\\d+",
    });
  });

  it("reads a disagreement with the votes that made it", () => {
    const d = toDisagreement({
      item_id: 17,
      external_id: "sms-0017",
      text: "Free prize",
      human: "ham",
      weak: "spam",
      confidence: 0.97,
      votes: { "prize-words": ["spam"] },
    });
    expect(d).toEqual({
      itemId: 17,
      externalId: "sms-0017",
      text: "Free prize",
      human: "ham",
      weak: "spam",
      confidence: 0.97,
      votes: { "prize-words": ["spam"] },
    });
  });
});
