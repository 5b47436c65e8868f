import type { Project } from "../api/models";
import type { Keymap } from "../lib/keymap";
import { Kbd } from "./Kbd";

interface Props {
  project: Project;
  /** What a label key does in the project's editor ("Label", "Toggle"). */
  labelKeyVerb: string;
  keymap: Pick<Keymap<string>, "labelKeys" | "conflicts">;
  /** The actions listed; the labeling page's (and its editor's) when not given. */
  actions?: readonly { action: string; keys: readonly string[]; description: string }[];
  onClose: () => void;
}

export function HelpOverlay({ project, labelKeyVerb, keymap, actions, onClose }: Props) {
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Esc and ? close it from the keyboard (the page's key handler).
    <div
      class="overlay"
      data-testid="help-overlay"
      role="dialog"
      aria-label="Keyboard shortcuts"
      onClick={(e) => {
        // A click outside the list closes it.
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div class="dialog">
        <h2>Keys</h2>
        <table class="keys">
          <tbody>
            {project.labels.map((label) => (
              <tr key={`l-${label}`}>
                <td>
                  <Kbd k={keymap.labelKeys[label]} />
                </td>
                <td>
                  {labelKeyVerb} “{label}”
                </td>
              </tr>
            ))}
            {(actions ?? [...project.actions, ...project.editorActions]).map((a) => (
              <tr key={a.action}>
                <td>
                  {a.keys.map((k) => (
                    <Kbd key={k} k={k} />
                  ))}
                </td>
                <td>{a.description}</td>
              </tr>
            ))}
            <tr>
              <td>
                <kbd>Esc</kbd>
              </td>
              <td>Close this list</td>
            </tr>
          </tbody>
        </table>
        {keymap.conflicts.length > 0 && (
          <ul class="warnings">
            {keymap.conflicts.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        )}
        <button type="button" onClick={onClose}>
          Close <Kbd k="?" />
        </button>
      </div>
    </div>
  );
}
