// The review page's keys. Like the labeling page's (keymap.ts), they come from the
// server (activelabel/keymap.py REVIEW_ACTIONS, sent as the project's
// `review_actions`); this file knows the action names, never their keys. A label
// key gives the corrected label (the task editor decides what it does), and the
// editor's own keys (a span cursor, a box nudge) win over the page's.

import type { ActionBinding, EditorActionBinding, MediaAction } from "./keymap";

export type ReviewAction = "accept" | "reject" | "back" | "forward" | "help" | "guidelines" | MediaAction;

const REVIEW_ACTION_NAMES: Record<string, ReviewAction> = {
  accept: "accept",
  reject: "reject",
  back: "back",
  forward: "forward",
  help: "help",
  guidelines: "guidelines",
  play: "play",
  seek_back: "seekBack",
  seek_forward: "seekForward",
  zoom_in: "zoomIn",
  zoom_out: "zoomOut",
  zoom_reset: "zoomReset",
};

/** The review page's name of an action the server names, or null for one it leaves to the editor. */
export function reviewActionNamed(name: string): ReviewAction | null {
  return REVIEW_ACTION_NAMES[name] ?? null;
}

/** The server's review actions, split into the page's and the task editor's. */
export function splitReviewActions(raw: readonly EditorActionBinding[]): {
  actions: ActionBinding<ReviewAction>[];
  editorActions: EditorActionBinding[];
} {
  const actions: ActionBinding<ReviewAction>[] = [];
  const editorActions: EditorActionBinding[] = [];
  for (const binding of raw) {
    const action = reviewActionNamed(binding.action);
    if (action) actions.push({ action, keys: [...binding.keys], description: binding.description });
    else editorActions.push({ action: binding.action, keys: [...binding.keys], description: binding.description });
  }
  return { actions, editorActions };
}
