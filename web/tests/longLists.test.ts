import { describe, expect, it } from "vitest";
import { namesAndMore, topCounts } from "../src/lib/format";

const tags = Array.from({ length: 400 }, (_, i) => `tag-${i + 1}`);

describe("a long label schema in one line", () => {
  it("names every label of a short schema", () => {
    expect(namesAndMore(["ham", "spam"])).toBe("ham, spam");
    expect(namesAndMore(tags.slice(0, 12))).toBe(tags.slice(0, 12).join(", "));
  });

  it("names the first twelve of 400 labels and how many more", () => {
    expect(namesAndMore(tags)).toBe(`${tags.slice(0, 12).join(", ")} and 388 more`);
    expect(namesAndMore(tags, 3)).toBe("tag-1, tag-2, tag-3 and 397 more");
  });
});

describe("the progress panel's label counts", () => {
  it("lists every count of a short schema in the schema's order", () => {
    expect(topCounts({ spam: 3, ham: 9 })).toEqual({
      shown: [
        ["spam", 3],
        ["ham", 9],
      ],
      hidden: 0,
    });
  });

  it("lists the ten largest of 400 counts, ties in the schema's order, and how many are left out", () => {
    const counts = Object.fromEntries(tags.map((t, i) => [t, i === 399 ? 50 : i % 7]));
    const { shown, hidden } = topCounts(counts);
    expect(hidden).toBe(390);
    expect(shown[0]).toEqual(["tag-400", 50]);
    expect(shown.slice(1).map(([, n]) => n)).toEqual(Array(9).fill(6));
    expect(shown.slice(1).map(([t]) => t)).toEqual(["tag-7", "tag-14", "tag-21", "tag-28", "tag-35", "tag-42", "tag-49", "tag-56", "tag-63"]);
  });

  it("lists all 400, largest first, when asked to show all", () => {
    const counts = Object.fromEntries(tags.map((t, i) => [t, i]));
    const { shown, hidden } = topCounts(counts, 10, true);
    expect(hidden).toBe(0);
    expect(shown).toHaveLength(400);
    expect(shown[0]).toEqual(["tag-400", 399]);
    expect(shown[399]).toEqual(["tag-1", 0]);
  });
});
