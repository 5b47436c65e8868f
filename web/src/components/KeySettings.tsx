import { useState } from "preact/hooks";
import type { Project } from "../api/models";
import { displayKey, reassignKey } from "../lib/keymap";

interface Props {
  project: Project;
  labelKeys: Record<string, string>;
  onSave: (keys: Record<string, string>) => Promise<void>;
  onClose: () => void;
}

/**
 * Reassign label keys: click a label's key, press the new one. The keys start from
 * the server's (the one source, activelabel/keymap.py); the server checks the saved
 * keys again and its sentence is shown if it refuses them.
 */
export function KeySettings({ project, labelKeys, onSave, onClose }: Props) {
  const [keys, setKeys] = useState<Record<string, string>>({ ...labelKeys });
  const [listening, setListening] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const onKeyDown = (e: KeyboardEvent) => {
    e.stopPropagation();
    if (e.key === "Escape") {
      if (listening) setListening(null);
      else onClose();
      return;
    }
    if (!listening || e.ctrlKey || e.metaKey || e.altKey || e.key === "Shift") return;
    e.preventDefault();
    const result = reassignKey(project, keys, listening, e.key);
    if (result.ok) {
      setKeys(result.keys);
      setError(null);
      setListening(null);
    } else {
      setError(result.error);
    }
  };

  const save = async () => {
    setSaving(true);
    try {
      await onSave(keys);
      onClose();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div class="overlay" role="dialog" aria-label="Label keys" onKeyDown={onKeyDown}>
      <div class="dialog">
        <h2>Label keys</h2>
        <p class="muted">Click a key, then press the key you want. A label already on that key swaps with it.</p>
        <table class="keys">
          <tbody>
            {project.labels.map((label) => (
              <tr key={label}>
                <td>{label}</td>
                <td>
                  <button
                    type="button"
                    class={listening === label ? "key-pick listening" : "key-pick"}
                    data-testid={`key-button-${label}`}
                    onClick={() => setListening(label)}
                    // biome-ignore lint/a11y/noAutofocus: the dialog listens for keys, so it takes the focus when it opens.
                    autoFocus={label === project.labels[0]}
                  >
                    {listening === label ? "press a key…" : keys[label] ? displayKey(keys[label]) : "none"}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {error && <p class="error">{error}</p>}
        <div class="row">
          <button type="button" class="primary" onClick={save} disabled={saving}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
