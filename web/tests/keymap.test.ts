import { describe, expect, it } from "vitest";
import { buildKeymap, completeLabelKeys, displayKey, normalizeKey, reassignKey } from "../src/lib/keymap";

describe("keymap", () => {
  it("binds each label to its project key", () => {
    const map = buildKeymap(["ham", "spam"], { ham: "1", spam: "2" }, "text");
    expect(map.commands.get("1")).toEqual({ kind: "label", label: "ham" });
    expect(map.commands.get("2")).toEqual({ kind: "label", label: "spam" });
    expect(map.conflicts).toEqual([]);
  });

  it("binds the actions alongside the labels", () => {
    const map = buildKeymap(["a"], { a: "1" }, "text");
    expect(map.commands.get("Enter")).toEqual({ kind: "action", action: "accept" });
    expect(map.commands.get("Space")).toEqual({ kind: "action", action: "skip" });
    expect(map.commands.get("s")).toEqual({ kind: "action", action: "skip" });
    expect(map.commands.get("Backspace")).toEqual({ kind: "action", action: "undo" });
    expect(map.commands.get("z")).toEqual({ kind: "action", action: "undo" });
    expect(map.commands.get("ArrowLeft")).toEqual({ kind: "action", action: "back" });
    expect(map.commands.get("?")).toEqual({ kind: "action", action: "help" });
  });

  it("binds audio keys only on audio projects and zoom keys only on image projects", () => {
    expect(buildKeymap([], {}, "text").commands.has("p")).toBe(false);
    expect(buildKeymap([], {}, "audio").commands.get("p")).toEqual({ kind: "action", action: "play" });
    expect(buildKeymap([], {}, "image").commands.get("+")).toEqual({ kind: "action", action: "zoomIn" });
    expect(buildKeymap([], {}, "audio").commands.has("+")).toBe(false);
  });

  it("gives labels without a key the next free digit or letter, skipping action keys", () => {
    const labels = Array.from({ length: 12 }, (_, i) => `l${i}`);
    const keys = completeLabelKeys(labels, {}, "text");
    expect(Object.values(keys)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c"]);
    const many = completeLabelKeys(Array.from({ length: 30 }, (_, i) => `l${i}`), {}, "audio");
    expect(Object.values(many)).not.toContain("s");
    expect(Object.values(many)).not.toContain("z");
    expect(Object.values(many)).not.toContain("p");
  });

  it("reports two labels on one key as a conflict and keeps the first", () => {
    const map = buildKeymap(["a", "b"], { a: "1", b: "1" }, "text");
    expect(map.commands.get("1")).toEqual({ kind: "label", label: "a" });
    expect(map.conflicts).toHaveLength(1);
    expect(map.conflicts[0]).toContain("both use 1");
  });

  it("lets a label take an optional action key and reports it", () => {
    const map = buildKeymap(["sports"], { sports: "s" }, "text");
    expect(map.commands.get("s")).toEqual({ kind: "label", label: "sports" });
    expect(map.commands.get("Space")).toEqual({ kind: "action", action: "skip" });
    expect(map.conflicts[0]).toContain("skip");
  });

  it("never lets a label take a reserved key", () => {
    const map = buildKeymap(["a"], { a: "Enter" }, "text");
    expect(map.commands.get("Enter")).toEqual({ kind: "action", action: "accept" });
    expect(map.conflicts[0]).toContain("reserved");
  });

  it("swaps keys when a label is given a key another label holds", () => {
    const result = reassignKey({ ham: "1", spam: "2" }, "ham", "2");
    expect(result).toEqual({ ok: true, keys: { ham: "2", spam: "1" } });
  });

  it("moves a label to a free key without touching the others", () => {
    const result = reassignKey({ ham: "1", spam: "2" }, "spam", "X");
    expect(result).toEqual({ ok: true, keys: { ham: "1", spam: "x" } });
  });

  it("refuses reserved keys, named keys and unknown labels when reassigning", () => {
    expect(reassignKey({ ham: "1" }, "ham", "Enter").ok).toBe(false);
    expect(reassignKey({ ham: "1" }, "ham", " ").ok).toBe(false);
    expect(reassignKey({ ham: "1" }, "ham", "F2").ok).toBe(false);
    expect(reassignKey({ ham: "1" }, "eggs", "3").ok).toBe(false);
  });

  it("normalizes event keys and writes them for people", () => {
    expect(normalizeKey(" ")).toBe("Space");
    expect(normalizeKey("S")).toBe("s");
    expect(normalizeKey("ArrowLeft")).toBe("ArrowLeft");
    expect(displayKey("a")).toBe("A");
    expect(displayKey("ArrowRight")).toBe("→");
  });
});
