import "./review.css";
import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import {
  type ModelSettings,
  type ModelSettingsForm,
  modelSettingsChange,
  readModelSettings,
  saveModelSettings,
  toModelSettingsForm,
} from "../api/modelSettings";

interface Props {
  api: ApiClient;
  project: string;
  onClose: () => void;
}

/** What each classifier is, as the dialog offers it. */
const MODEL_NAMES: Record<string, string> = {
  logistic: "Logistic regression",
  gradient_boosting: "Gradient boosting",
  auto: "AutoML search (auto)",
};

/** What each featurizer does, for the names a person may not know. */
const FEATURIZER_NAMES: Record<string, string> = {
  tfidf: "TF-IDF (words and pairs of words)",
  hashing: "Hashed words (large collections)",
  embeddings: "Sentence embeddings (needs the embeddings extra)",
  both: "TF-IDF and sentence embeddings side by side",
  auto: "Auto: chosen by cross-validation from 30 labels",
};

/**
 * An admin's form for how the project's model learns: the classifier (or an AutoML search
 * and its time budget), the featurizer among those the modality can use, and, for images
 * and audio, whether the model also learns augmented copies. The next round uses them.
 */
export function ModelSettingsDialog({ api, project, onClose }: Props) {
  const [saved, setSaved] = useState<ModelSettings | null>(null);
  const [form, setForm] = useState<ModelSettingsForm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    readModelSettings(api, project)
      .then((s) => {
        setSaved(s);
        setForm(toModelSettingsForm(s));
      })
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api, project]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form || !saved) return;
    const change = modelSettingsChange(saved, form);
    if (change.error !== null) {
      setError(change.error);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      if (Object.keys(change.body).length > 0) await saveModelSettings(api, project, change.body);
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  const set = (patch: Partial<ModelSettingsForm>) => form && setForm({ ...form, ...patch });

  return (
    <div
      class="overlay"
      role="dialog"
      aria-label="Model settings"
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === "Escape") onClose();
      }}
    >
      <form class="dialog" onSubmit={save}>
        <h2>Model settings</h2>
        <label class="field">
          <span>Model</span>
          <select
            data-testid="setting-model"
            value={form?.model ?? ""}
            onChange={(e) => set({ model: (e.target as HTMLSelectElement).value })}
          >
            <option value="">Default (logistic regression)</option>
            {Object.entries(MODEL_NAMES).map(([name, title]) => (
              <option key={name} value={name}>
                {title}
              </option>
            ))}
          </select>
          <small class="muted">
            Auto searches the learners within the time budget from 30 labels and each time they double, and keeps
            its winner only if it cross-validates better.
          </small>
        </label>
        <label class="field">
          <span>AutoML time budget (seconds)</span>
          {/* No min: the browser would block the form silently; the server says why. */}
          <input
            type="number"
            step="any"
            data-testid="setting-automlBudget"
            value={form?.automlBudget ?? ""}
            onInput={(e) => set({ automlBudget: (e.target as HTMLInputElement).value })}
          />
          <small class="muted">How long one AutoML search may take (model auto).</small>
        </label>
        <label class="field">
          <span>Featurizer</span>
          <select
            data-testid="setting-featurizer"
            value={form?.featurizer ?? ""}
            onChange={(e) => set({ featurizer: (e.target as HTMLSelectElement).value })}
          >
            <option value="">Default ({saved?.defaultFeaturizer ?? "the modality's"})</option>
            {(saved?.featurizers ?? []).map((name) => (
              <option key={name} value={name}>
                {FEATURIZER_NAMES[name] ?? name}
              </option>
            ))}
          </select>
          <small class="muted">How items become the numbers the model learns from.</small>
        </label>
        {saved?.augmentDefault !== null && saved?.augmentDefault !== undefined && (
          <label class="field">
            <span>Augmentation</span>
            <select
              data-testid="setting-augment"
              value={form?.augment ?? ""}
              onChange={(e) => set({ augment: (e.target as HTMLSelectElement).value as ModelSettingsForm["augment"] })}
            >
              <option value="">Default ({saved.augmentDefault ? "on" : "off"})</option>
              <option value="on">On</option>
              <option value="off">Off</option>
            </select>
            <small class="muted">
              The model also learns altered copies of each labeled item (brightness, flips and crops of images;
              gain, noise and shifts of clips).
            </small>
          </label>
        )}
        {error && (
          <p class="error" data-testid="model-settings-error">
            {error}
          </p>
        )}
        <div class="row">
          <button type="submit" class="primary" data-testid="save-model-settings" disabled={saving || !form}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
