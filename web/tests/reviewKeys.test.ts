import { describe, expect, it } from "vitest";
import { toProject } from "../src/api/mapping";
import { buildKeymap, commandFor } from "../src/lib/keymap";
import { reviewActionNamed, splitReviewActions } from "../src/lib/reviewKeys";

// The review actions as activelabel/keymap.py sends them for a span project.
const SPAN_REVIEW = [
  { action: "accept", keys: ["Enter"], description: "Accept" },
  { action: "reject", keys: ["Backspace"], description: "Reject" },
  { action: "back", keys: ["ArrowUp"], description: "Back" },
  { action: "forward", keys: ["ArrowDown"], description: "Next" },
  { action: "help", keys: ["?"], description: "Help" },
  { action: "guidelines", keys: ["#"], description: "Guidelines" },
  { action: "token_next", keys: ["ArrowRight"], description: "Cursor on" },
];

describe("review keys", () => {
  it("names the server's review actions and leaves the editor's to the editor", () => {
    expect(reviewActionNamed("zoom_in")).toBe("zoomIn");
    expect(reviewActionNamed("token_next")).toBeNull();
    const { actions, editorActions } = splitReviewActions(SPAN_REVIEW);
    expect(actions.map((a) => a.action)).toEqual(["accept", "reject", "back", "forward", "help", "guidelines"]);
    expect(editorActions.map((a) => a.action)).toEqual(["token_next"]);
  });

  it("builds the review page's table: Enter accepts, Backspace rejects, a label key corrects", () => {
    const project = toProject({
      name: "sms",
      task: "classification",
      editor: "classification",
      modality: "text",
      labels: ["ham", "spam"],
      keys: { ham: "1", spam: "2" },
      actions: [],
      review_actions: SPAN_REVIEW.slice(0, 6),
      reserved_keys: ["Enter", "Backspace", "?", "#"],
      retrain_every: 10,
      overlap: 1,
      items: 0,
      labeled_items: 0,
    });
    const keymap = buildKeymap({ ...project, actions: project.reviewActions });
    expect(commandFor(keymap, { key: "Enter", shiftKey: false })).toEqual({ kind: "action", action: "accept" });
    expect(commandFor(keymap, { key: "Backspace", shiftKey: false })).toEqual({ kind: "action", action: "reject" });
    expect(commandFor(keymap, { key: "#", shiftKey: true })).toEqual({ kind: "action", action: "guidelines" });
    expect(commandFor(keymap, { key: "2", shiftKey: false })).toEqual({ kind: "label", label: "spam" });
  });
});
