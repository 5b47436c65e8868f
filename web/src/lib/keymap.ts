// Keys: the fixed action keys, the per-project label keys, and the checks that
// keep them from colliding. Keys are written as KeyboardEvent.key values, with
// letters in lower case and the space bar as "Space".

export type Action =
  | "accept"
  | "skip"
  | "undo"
  | "back"
  | "forward"
  | "help"
  | "play"
  | "seekBack"
  | "seekForward"
  | "zoomIn"
  | "zoomOut"
  | "zoomReset";

export type Command = { kind: "action"; action: Action } | { kind: "label"; label: string };

export interface ActionBinding {
  action: Action;
  keys: string[];
  description: string;
  /** Only bound on this modality (audio keys on audio, zoom keys on images). */
  modality?: string;
}

export const ACTIONS: readonly ActionBinding[] = [
  { action: "accept", keys: ["Enter"], description: "Accept the suggestion (multi-label: submit)" },
  { action: "skip", keys: ["Space", "s"], description: "Skip this item" },
  { action: "undo", keys: ["Backspace", "z"], description: "Undo the last label" },
  { action: "back", keys: ["ArrowLeft"], description: "Back through labeled items" },
  { action: "forward", keys: ["ArrowRight"], description: "Forward through labeled items" },
  { action: "help", keys: ["?"], description: "Show or hide this list of keys" },
  { action: "play", keys: ["p"], description: "Play or pause", modality: "audio" },
  { action: "seekBack", keys: ["["], description: "Seek back 5 s", modality: "audio" },
  { action: "seekForward", keys: ["]"], description: "Seek forward 5 s", modality: "audio" },
  { action: "zoomIn", keys: ["+", "="], description: "Zoom in", modality: "image" },
  { action: "zoomOut", keys: ["-"], description: "Zoom out", modality: "image" },
  { action: "zoomReset", keys: ["0"], description: "Fit the image to the view", modality: "image" },
];

/** Keys a label can never take: they drive the page itself. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  "Enter",
  "Space",
  "Backspace",
  "ArrowLeft",
  "ArrowRight",
  "ArrowUp",
  "ArrowDown",
  "Escape",
  "Tab",
  "?",
]);

const DEFAULT_KEY_ORDER = "123456789abcdefghijklmnopqrstuvwxyz".split("");

/** The key a KeyboardEvent stands for, in the form keymaps use. */
export function normalizeKey(key: string): string {
  if (key === " " || key === "Spacebar") return "Space";
  if (key.length === 1) return key.toLowerCase();
  return key;
}

/** How a key is written on a button or in the help overlay. */
export function displayKey(key: string): string {
  const names: Record<string, string> = {
    Space: "Space",
    Enter: "Enter",
    Backspace: "⌫",
    ArrowLeft: "←",
    ArrowRight: "→",
  };
  return names[key] ?? (key.length === 1 ? key.toUpperCase() : key);
}

/** Action keys that are live for a modality. */
export function actionsFor(modality: string): ActionBinding[] {
  return ACTIONS.filter((a) => a.modality === undefined || a.modality === modality);
}

/**
 * Fill in a key for each label without one: the project's own keys first, then
 * 1–9 and a–z, skipping keys already taken and keys the actions use.
 */
export function completeLabelKeys(
  labels: readonly string[],
  keys: Readonly<Record<string, string>>,
  modality: string,
): Record<string, string> {
  const taken = new Set<string>(actionsFor(modality).flatMap((a) => a.keys));
  const result: Record<string, string> = {};
  for (const label of labels) {
    const key = keys[label];
    if (key) {
      result[label] = normalizeKey(key);
      taken.add(normalizeKey(key));
    }
  }
  const free = DEFAULT_KEY_ORDER.filter((k) => !taken.has(k));
  for (const label of labels) {
    if (result[label] === undefined) {
      const key = free.shift();
      if (key !== undefined) result[label] = key;
    }
  }
  return result;
}

export interface Keymap {
  commands: Map<string, Command>;
  labelKeys: Record<string, string>;
  /** Human-readable problems: two labels on one key, a label on an action's key. */
  conflicts: string[];
}

/**
 * Build the key → command table. Label keys win over the optional action keys
 * (the letter S still skips through Space, Z still undoes through Backspace),
 * but never over the reserved keys.
 */
export function buildKeymap(
  labels: readonly string[],
  keys: Readonly<Record<string, string>>,
  modality: string,
): Keymap {
  const labelKeys = completeLabelKeys(labels, keys, modality);
  const commands = new Map<string, Command>();
  const conflicts: string[] = [];
  for (const binding of actionsFor(modality)) {
    for (const key of binding.keys) commands.set(key, { kind: "action", action: binding.action });
  }
  const owner = new Map<string, string>();
  for (const label of labels) {
    const key = labelKeys[label];
    if (key === undefined) continue;
    if (RESERVED_KEYS.has(key)) {
      conflicts.push(`"${label}" cannot use ${displayKey(key)}: that key is reserved.`);
      continue;
    }
    const other = owner.get(key);
    if (other !== undefined) {
      conflicts.push(`"${label}" and "${other}" both use ${displayKey(key)}.`);
      continue;
    }
    const existing = commands.get(key);
    if (existing?.kind === "action") {
      conflicts.push(`"${label}" takes ${displayKey(key)} from the "${existing.action}" action.`);
    }
    owner.set(key, label);
    commands.set(key, { kind: "label", label });
  }
  return { commands, labelKeys, conflicts };
}

export type ReassignResult =
  | { ok: true; keys: Record<string, string> }
  | { ok: false; error: string };

/**
 * Give `label` the key `key`. A label that held that key gets the label's old key
 * in exchange, so no two labels ever share a key.
 */
export function reassignKey(
  keys: Readonly<Record<string, string>>,
  label: string,
  key: string,
): ReassignResult {
  const wanted = normalizeKey(key);
  if (!(label in keys)) return { ok: false, error: `There is no label "${label}".` };
  if (RESERVED_KEYS.has(wanted)) {
    return { ok: false, error: `${displayKey(wanted)} is reserved; pick a letter, digit or symbol.` };
  }
  if (wanted.length !== 1) {
    return { ok: false, error: `Pick a single character key, got ${displayKey(wanted)}.` };
  }
  const result: Record<string, string> = { ...keys };
  const previous = result[label];
  for (const [other, otherKey] of Object.entries(result)) {
    if (other !== label && otherKey === wanted && previous !== undefined) result[other] = previous;
  }
  result[label] = wanted;
  return { ok: true, keys: result };
}
