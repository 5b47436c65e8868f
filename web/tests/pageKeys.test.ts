import { describe, expect, it } from "vitest";
import { type KeyDialogs, type Keymap, type PageKeyEvent, pageCommand } from "../src/lib/keymap";

const keymap: Pick<Keymap, "commands"> = {
  commands: new Map([
    ["1", { kind: "label", label: "spam" }],
    ["Enter", { kind: "action", action: "accept" }],
    ["?", { kind: "action", action: "help" }],
    ["#", { kind: "action", action: "guidelines" }],
  ]),
};

function press(key: string, more: Partial<PageKeyEvent> = {}): PageKeyEvent & { prevented: boolean } {
  const event = {
    key,
    shiftKey: false,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    target: null,
    prevented: false,
    preventDefault() {
      event.prevented = true;
    },
    ...more,
  };
  return event;
}

function dialogs(help: boolean, guidelines: boolean): KeyDialogs & { open: { help: boolean; guidelines: boolean } } {
  const open = { help, guidelines };
  return {
    help,
    guidelines,
    open,
    setHelp: (o) => {
      open.help = o;
    },
    setGuidelines: (o) => {
      open.guidelines = o;
    },
  };
}

describe("a key press on a page with help and guidelines", () => {
  it("gives the page its command and keeps the key from the browser", () => {
    const e = press("1");
    expect(pageCommand(keymap, e, dialogs(false, false))).toEqual({ kind: "label", label: "spam" });
    expect(e.prevented).toBe(true);
  });

  it("leaves modified keys and unknown keys to the browser", () => {
    const ctrl = press("1", { ctrlKey: true });
    expect(pageCommand(keymap, ctrl, dialogs(false, false))).toBeNull();
    expect(ctrl.prevented).toBe(false);
    const other = press("z");
    expect(pageCommand(keymap, other, dialogs(false, false))).toBeNull();
    expect(other.prevented).toBe(false);
  });

  it("closes both dialogs on Esc", () => {
    const d = dialogs(true, true);
    expect(pageCommand(keymap, press("Escape"), d)).toBeNull();
    expect(d.open).toEqual({ help: false, guidelines: false });
  });

  it("labels nothing behind the guidelines, and closes them on their own key", () => {
    const d = dialogs(false, true);
    expect(pageCommand(keymap, press("1"), d)).toBeNull();
    expect(d.open.guidelines).toBe(true);
    expect(pageCommand(keymap, press("#"), d)).toBeNull();
    expect(d.open.guidelines).toBe(false);
  });

  it("closes the help on any other command and runs it", () => {
    const d = dialogs(true, false);
    expect(pageCommand(keymap, press("Enter"), d)).toEqual({ kind: "action", action: "accept" });
    expect(d.open.help).toBe(false);
    const again = dialogs(true, false);
    expect(pageCommand(keymap, press("?"), again)).toEqual({ kind: "action", action: "help" });
    expect(again.open.help).toBe(true);
  });
});
