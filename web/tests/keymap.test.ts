import { describe, expect, it } from "vitest";
import { toProject } from "../src/api/mapping";
import type { ProjectRaw } from "../src/api/types";
import { actionNamed, buildKeymap, displayKey, normalizeKey, reassignKey } from "../src/lib/keymap";

// Payloads shaped as the server sends them (activelabel/keymap.py decides the keys).
const TEXT_ACTIONS = [
  { action: "accept", keys: ["Enter"], description: "Accept the suggestion (multi-label: submit)" },
  { action: "skip", keys: ["Space", "s"], description: "Skip this item" },
  { action: "undo", keys: ["Backspace", "z"], description: "Undo the last label" },
  { action: "back", keys: ["ArrowLeft"], description: "Back through labeled items" },
  { action: "forward", keys: ["ArrowRight"], description: "Forward through labeled items" },
  { action: "help", keys: ["?"], description: "Show or hide this list of keys" },
];
const RESERVED = ["?", "ArrowDown", "ArrowLeft", "ArrowRight", "ArrowUp", "Backspace", "Enter", "Escape", "Space", "Tab", "s", "z"];

function project(labels: string[], keys: Record<string, string>, extra: Partial<ProjectRaw> = {}) {
  return toProject({
    name: "p",
    task: "classification",
    editor: "classification",
    modality: "text",
    labels,
    keys,
    actions: TEXT_ACTIONS,
    reserved_keys: RESERVED,
    text_column: "text",
    retrain_every: 10,
    overlap: 1,
    items: 0,
    labeled_items: 0,
    ...extra,
  });
}

const grades = project(["3", "4", "5", "6", "7", "8"], { 3: "3", 4: "4", 5: "5", 6: "6", 7: "7", 8: "8" });

describe("keymap", () => {
  it("binds each label to the key the server gave it: grade 5 on key 5", () => {
    const map = buildKeymap(grades);
    expect(map.commands.get("5")).toEqual({ kind: "label", label: "5" });
    expect(map.commands.get("3")).toEqual({ kind: "label", label: "3" });
    expect(map.conflicts).toEqual([]);
  });

  it("binds the actions the server lists alongside the labels", () => {
    const map = buildKeymap(project(["ham"], { ham: "1" }));
    expect(map.commands.get("Enter")).toEqual({ kind: "action", action: "accept" });
    expect(map.commands.get("Space")).toEqual({ kind: "action", action: "skip" });
    expect(map.commands.get("s")).toEqual({ kind: "action", action: "skip" });
    expect(map.commands.get("z")).toEqual({ kind: "action", action: "undo" });
    expect(map.commands.get("?")).toEqual({ kind: "action", action: "help" });
    expect(map.commands.has("p")).toBe(false);
  });

  it("turns the server's action names into the page's and drops unknown ones", () => {
    expect(actionNamed("zoom_reset")).toBe("zoomReset");
    expect(actionNamed("seek_back")).toBe("seekBack");
    expect(actionNamed("teleport")).toBeNull();
    const image = project(["cat"], { cat: "1" }, {
      modality: "image",
      actions: [
        { action: "zoom_reset", keys: ["0"], description: "Fit the image to the view" },
        { action: "teleport", keys: ["t"], description: "?" },
      ],
    });
    expect(image.actions.map((a) => a.action)).toEqual(["zoomReset"]);
    expect(buildKeymap(image).commands.get("0")).toEqual({ kind: "action", action: "zoomReset" });
  });

  it("never lets a label take an action's key, and keeps the first of two labels on one key", () => {
    const map = buildKeymap(project(["a", "b", "c"], { a: "s", b: "1", c: "1" }));
    expect(map.commands.get("s")).toEqual({ kind: "action", action: "skip" });
    expect(map.commands.get("1")).toEqual({ kind: "label", label: "b" });
    expect(map.conflicts).toHaveLength(2);
    expect(map.labelKeys).toEqual({ b: "1" });
  });

  it("swaps keys when a label is given a key another label holds", () => {
    const result = reassignKey(grades, grades.keys, "3", "5");
    expect(result).toEqual({ ok: true, keys: { 3: "5", 4: "4", 5: "3", 6: "6", 7: "7", 8: "8" } });
  });

  it("moves a label to a free key without touching the others", () => {
    const sms = project(["ham", "spam"], { ham: "1", spam: "2" });
    expect(reassignKey(sms, sms.keys, "spam", "X")).toEqual({ ok: true, keys: { ham: "1", spam: "x" } });
  });

  it("takes the key from a label when the label that wants it had none", () => {
    const p = project(["a", "b"], { a: "1" });
    expect(reassignKey(p, p.keys, "b", "1")).toEqual({ ok: true, keys: { b: "1" } });
  });

  it("refuses the server's reserved keys, named keys and unknown labels, naming the action", () => {
    const sms = project(["ham"], { ham: "1" });
    const s = reassignKey(sms, sms.keys, "ham", "S");
    expect(s).toEqual({ ok: false, error: expect.stringContaining("Skip this item") });
    expect(reassignKey(sms, sms.keys, "ham", "Enter").ok).toBe(false);
    expect(reassignKey(sms, sms.keys, "ham", " ").ok).toBe(false);
    expect(reassignKey(sms, sms.keys, "ham", "Escape").ok).toBe(false);
    expect(reassignKey(sms, sms.keys, "ham", "F2").ok).toBe(false);
    expect(reassignKey(sms, sms.keys, "eggs", "3").ok).toBe(false);
  });

  it("normalizes event keys and writes them for people", () => {
    expect(normalizeKey(" ")).toBe("Space");
    expect(normalizeKey("S")).toBe("s");
    expect(normalizeKey("ArrowLeft")).toBe("ArrowLeft");
    expect(displayKey("a")).toBe("A");
    expect(displayKey("ArrowRight")).toBe("→");
  });
});
