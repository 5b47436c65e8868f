// Keys: the key → command table of the labeling page. Which key labels which label,
// and which keys the actions use, is decided in one place, the server
// (activelabel/keymap.py), and sent with the project; this file only turns that
// into a table and checks a key picked in the Keys dialog. Keys are written as
// KeyboardEvent.key values, with letters in lower case, the space bar as "Space",
// and "Shift+" in front of a named key pressed with Shift ("Shift+ArrowLeft").
//
// A task editor's own keys (Project.editorActions: the span editor's token
// cursor on ←/→) win over a page action on the same key. The server already
// moves the page's action off them (back and forward go to ↑/↓ on a span
// project, to Page Up / Page Down on a box project); this table lets the editor win again should an older server not.

/** What the item's media does on a key (audio playback, image zoom), on every page. */
export type MediaAction = "play" | "seekBack" | "seekForward" | "zoomIn" | "zoomOut" | "zoomReset";

export type Action = "accept" | "skip" | "undo" | "back" | "forward" | "help" | "searchLabels" | "guidelines" | MediaAction;

export type Command<A extends string = Action> =
  | { kind: "action"; action: A }
  | { kind: "label"; label: string }
  /** An action the page leaves to the project's task editor (src/tasks/). */
  | { kind: "editor"; action: string };

/** An action and its keys, as the server sends them for the project's modality. */
export interface ActionBinding<A extends string = Action> {
  action: A;
  keys: string[];
  description: string;
}

/**
 * An action the server names that the page does not run itself: the project's
 * task editor does (a span editor's cursor keys, say), under the server's name.
 */
export interface EditorActionBinding {
  action: string;
  keys: string[];
  description: string;
}

/** What the page needs to know about a project's keys; all of it comes from the server. */
export interface ProjectKeys<A extends string = Action> {
  labels: readonly string[];
  /** label → key, final: labels without a key are missing. */
  keys: Readonly<Record<string, string>>;
  actions: readonly ActionBinding<A>[];
  /** The actions left to the task editor. */
  editorActions?: readonly EditorActionBinding[];
  /** Keys no label can take on this project (the actions' keys and the page's own). */
  reservedKeys: readonly string[];
}

const ACTION_NAMES: Record<string, Action> = {
  accept: "accept",
  skip: "skip",
  undo: "undo",
  back: "back",
  forward: "forward",
  help: "help",
  search_labels: "searchLabels",
  guidelines: "guidelines",
  play: "play",
  seek_back: "seekBack",
  seek_forward: "seekForward",
  zoom_in: "zoomIn",
  zoom_out: "zoomOut",
  zoom_reset: "zoomReset",
};

/** The page's name of an action the server names, or null for one this page cannot run. */
export function actionNamed(name: string): Action | null {
  return ACTION_NAMES[name] ?? null;
}

/** The key a KeyboardEvent stands for, in the form keymaps use. */
export function normalizeKey(key: string): string {
  if (key === " " || key === "Spacebar") return "Space";
  if (key.length === 1) return key.toLowerCase();
  return key;
}

/**
 * The command of a key press: "Shift+ArrowLeft" when Shift is held on a named
 * key and the table has it, else the key alone (Shift on a character key has
 * already changed the character: "?" is Shift+/).
 */
export function commandFor<A extends string = Action>(
  keymap: Pick<Keymap<A>, "commands">,
  event: { key: string; shiftKey: boolean },
): Command<A> | undefined {
  const key = normalizeKey(event.key);
  if (event.shiftKey && key.length > 1) {
    const shifted = keymap.commands.get(`Shift+${key}`);
    if (shifted) return shifted;
  }
  return keymap.commands.get(key);
}

/** The first key of a page action on this project, if it has one (for its button). */
export function actionKey<A extends string = Action>(project: Pick<ProjectKeys<A>, "actions">, action: A): string | undefined {
  return project.actions.find((a) => a.action === action)?.keys[0];
}

/** How a key is written on a button or in the help overlay. */
export function displayKey(key: string): string {
  if (key.startsWith("Shift+") && key.length > 6) return `⇧${displayKey(key.slice(6))}`;
  const names: Record<string, string> = {
    Space: "Space",
    Enter: "Enter",
    Backspace: "⌫",
    Delete: "Del",
    ArrowLeft: "←",
    ArrowRight: "→",
    ArrowUp: "↑",
    ArrowDown: "↓",
    PageUp: "PgUp",
    PageDown: "PgDn",
  };
  return names[key] ?? (key.length === 1 ? key.toUpperCase() : key);
}

export interface Keymap<A extends string = Action> {
  commands: Map<string, Command<A>>;
  labelKeys: Record<string, string>;
  /** Human-readable problems: two labels on one key, a label on an action's key. */
  conflicts: string[];
}

/**
 * Build the key → command table from the server's keys. The server never gives a
 * label a reserved key or one key to two labels; should it happen anyway (an older
 * server), the action keeps its key, the first label keeps a shared one, and the
 * problem is listed in the help overlay.
 */
export function buildKeymap<A extends string = Action>(project: ProjectKeys<A>): Keymap<A> {
  const commands = new Map<string, Command<A>>();
  const conflicts: string[] = [];
  for (const binding of project.actions) {
    for (const key of binding.keys) commands.set(key, { kind: "action", action: binding.action });
  }
  // The editor's keys win over the page's on the same key (see the top of this file).
  for (const binding of project.editorActions ?? []) {
    for (const key of binding.keys) commands.set(key, { kind: "editor", action: binding.action });
  }
  const reserved = new Set(project.reservedKeys);
  const labelKeys: Record<string, string> = {};
  const owner = new Map<string, string>();
  for (const label of project.labels) {
    const raw = project.keys[label];
    if (raw === undefined) continue;
    const key = normalizeKey(raw);
    if (reserved.has(key) || commands.has(key)) {
      conflicts.push(`"${label}" cannot use ${displayKey(key)}: an action uses that key.`);
      continue;
    }
    const other = owner.get(key);
    if (other !== undefined) {
      conflicts.push(`"${label}" and "${other}" both use ${displayKey(key)}.`);
      continue;
    }
    owner.set(key, label);
    labelKeys[label] = key;
    commands.set(key, { kind: "label", label });
  }
  return { commands, labelKeys, conflicts };
}

export type ReassignResult =
  | { ok: true; keys: Record<string, string> }
  | { ok: false; error: string };

/**
 * Give `label` the key `key`. A label that held that key gets the label's old key
 * in exchange (or none, if the label had none), so no two labels ever share a key.
 * The server checks the same rules again when the keys are saved.
 */
export function reassignKey(project: ProjectKeys, keys: Readonly<Record<string, string>>, label: string, key: string): ReassignResult {
  const wanted = normalizeKey(key);
  if (!project.labels.includes(label)) return { ok: false, error: `There is no label "${label}".` };
  if (project.reservedKeys.includes(wanted)) {
    const action = [...project.actions, ...(project.editorActions ?? [])].find((a) => a.keys.includes(wanted));
    const why = action ? `it is the key of “${action.description}”` : "the page keeps it for itself";
    return { ok: false, error: `${displayKey(wanted)} cannot label: ${why}. Pick another letter, digit or symbol.` };
  }
  if (wanted.length !== 1) {
    return { ok: false, error: `Pick a single character key, got ${displayKey(wanted)}.` };
  }
  const result: Record<string, string> = { ...keys };
  const previous = result[label];
  for (const [other, otherKey] of Object.entries(result)) {
    if (other === label || otherKey !== wanted) continue;
    if (previous === undefined) delete result[other];
    else result[other] = previous;
  }
  result[label] = wanted;
  return { ok: true, keys: result };
}

/** Whether a key press goes to a field being typed in, not to the page. */
export function isTyping(target: EventTarget | null): boolean {
  // Node (the unit tests) has no HTMLElement: nothing there is a field.
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The dialogs that lie over a page's item, which its keys go through first. */
export interface KeyDialogs {
  help: boolean;
  guidelines: boolean;
  setHelp: (open: boolean) => void;
  setGuidelines: (open: boolean) => void;
}

/** What of a key press a page reads. */
export type PageKeyEvent = Pick<KeyboardEvent, "key" | "shiftKey" | "ctrlKey" | "metaKey" | "altKey" | "target" | "preventDefault">;

/**
 * The command a key press gives a page with the help and the guidelines over its item,
 * or null when the page does nothing with it. Modified keys and keys typed into a field
 * are not the page's; Esc closes both dialogs; while the guidelines cover the item only
 * their own key works (it closes them: no key labels behind them); any other command
 * closes the help first. A key with a command is the page's: its default is prevented.
 */
export function pageCommand<A extends string>(
  keymap: Pick<Keymap<A>, "commands">,
  e: PageKeyEvent,
  dialogs: KeyDialogs,
): Command<A> | null {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return null;
  if (e.key === "Escape") {
    dialogs.setHelp(false);
    dialogs.setGuidelines(false);
    return null;
  }
  const command = commandFor(keymap, e);
  if (!command) return null;
  e.preventDefault();
  const isAction = (action: string) => command.kind === "action" && command.action === action;
  if (dialogs.guidelines) {
    if (isAction("guidelines")) dialogs.setGuidelines(false);
    return null;
  }
  if (dialogs.help && !isAction("help")) dialogs.setHelp(false);
  return command;
}
