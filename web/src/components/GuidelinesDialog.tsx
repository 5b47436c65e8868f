import "./review.css";
import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import { type Guidelines, readGuidelines, saveGuidelines } from "../api/quality";
import { Kbd } from "./Kbd";
import { Markdown } from "./Markdown";

interface Props {
  api: ApiClient;
  project: string;
  /** The key that opens and closes it (from the server's keys). */
  toggleKey: string | undefined;
  /** Admins edit the guidelines here. */
  canEdit: boolean;
  onClose: () => void;
}

/** The project's guidelines, rendered from Markdown (never as HTML); admins edit them in place. */
export function GuidelinesDialog({ api, project, toggleKey, canEdit, onClose }: Props) {
  const [guidelines, setGuidelines] = useState<Guidelines | null>(null);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    readGuidelines(api, project)
      .then(setGuidelines)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api, project]);

  const save = async () => {
    if (draft === null) return;
    setSaving(true);
    try {
      setGuidelines(await saveGuidelines(api, project, draft));
      setDraft(null);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // Typing in the editor stays there; Escape leaves the editor, then the dialog.
    if (draft === null) return;
    e.stopPropagation();
    if (e.key === "Escape") setDraft(null);
  };

  return (
    <div
      class="overlay"
      data-testid="guidelines"
      role="dialog"
      aria-label="Guidelines"
      onKeyDown={onKeyDown}
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div class="dialog guidelines">
        <h2>Guidelines</h2>
        {error && <p class="error">{error}</p>}
        {draft !== null ? (
          <>
            <p class="muted">Markdown: # headings, - lists, **strong**, *emphasis*, `code`, [links](https://…). HTML is shown as text.</p>
            <textarea
              data-testid="guidelines-editor"
              rows={18}
              value={draft}
              onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
              // biome-ignore lint/a11y/noAutofocus: the admin opened the editor to type in it.
              autoFocus
            />
            <div class="row">
              <button type="button" class="primary" data-testid="guidelines-save" onClick={save} disabled={saving}>
                Save
              </button>
              <button type="button" onClick={() => setDraft(null)}>
                Cancel
              </button>
            </div>
          </>
        ) : guidelines === null ? (
          !error && <p class="muted">Loading…</p>
        ) : guidelines.markdown.trim() === "" ? (
          <p class="muted" data-testid="guidelines-empty">
            This project has no guidelines yet{canEdit ? "." : "; an admin can write them."}
          </p>
        ) : (
          <div data-testid="guidelines-text">
            <Markdown source={guidelines.markdown} />
            {guidelines.updatedAt && (
              <p class="muted">
                Updated {new Date(guidelines.updatedAt).toLocaleString()}
                {guidelines.updatedBy ? ` by ${guidelines.updatedBy}` : ""}
              </p>
            )}
          </div>
        )}
        {draft === null && (
          <div class="row">
            {canEdit && guidelines !== null && (
              <button type="button" data-testid="guidelines-edit" onClick={() => setDraft(guidelines.markdown)}>
                Edit
              </button>
            )}
            <button type="button" onClick={onClose}>
              Close <Kbd k={toggleKey} />
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
