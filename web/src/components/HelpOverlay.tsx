import type { Project } from "../api/models";
import type { Keymap } from "../lib/keymap";
import { Kbd } from "./Kbd";

interface Props {
  project: Project;
  keymap: Keymap;
  onClose: () => void;
}

export function HelpOverlay({ project, keymap, onClose }: Props) {
  return (
    <div class="overlay" data-testid="help-overlay" role="dialog" aria-label="Keyboard shortcuts" onClick={onClose}>
      <div class="dialog" onClick={(e) => e.stopPropagation()}>
        <h2>Keys</h2>
        <table class="keys">
          <tbody>
            {project.labels.map((label) => (
              <tr key={`l-${label}`}>
                <td>
                  <Kbd k={keymap.labelKeys[label]} />
                </td>
                <td>
                  {project.multilabel ? "Toggle" : "Label"} “{label}”
                </td>
              </tr>
            ))}
            {project.actions.map((a) => (
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
