import "./review.css";
import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import { type QualitySettings, readQualitySettings, saveQualitySettings } from "../api/quality";

interface Props {
  api: ApiClient;
  project: string;
  onSaved: (overlap: number) => void;
  onClose: () => void;
}

/** An admin's form for overlap, the share of items overlapped, and the rate of gold items. */
export function QualitySettingsDialog({ api, project, onSaved, onClose }: Props) {
  const [form, setForm] = useState<{ overlap: string; overlapShare: string; goldRate: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    readQualitySettings(api, project)
      .then((s) => setForm({ overlap: String(s.overlap), overlapShare: String(s.overlapShare), goldRate: String(s.goldRate) }))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api, project]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form) return;
    const settings: QualitySettings = {
      overlap: Number(form.overlap),
      overlapShare: Number(form.overlapShare),
      goldRate: Number(form.goldRate),
    };
    if (!Number.isInteger(settings.overlap) || settings.overlap < 1) {
      setError(`Overlap must be a whole number of annotators, 1 or more; got “${form.overlap}”.`);
      return;
    }
    for (const [name, v] of [
      ["Overlap share", settings.overlapShare],
      ["Gold rate", settings.goldRate],
    ] as const) {
      if (!Number.isFinite(v) || v < 0 || v > 1) {
        setError(`${name} must be a share between 0 and 1; got “${name === "Gold rate" ? form.goldRate : form.overlapShare}”.`);
        return;
      }
    }
    setSaving(true);
    try {
      const saved = await saveQualitySettings(api, project, settings);
      onSaved(saved.overlap);
      onClose();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  const field = (name: "overlap" | "overlapShare" | "goldRate", label: string, help: string, step: string) => (
    <label class="field">
      <span>{label}</span>
      <input
        type="number"
        step={step}
        min="0"
        data-testid={`setting-${name}`}
        value={form?.[name] ?? ""}
        onInput={(e) => form && setForm({ ...form, [name]: (e.target as HTMLInputElement).value })}
      />
      <small class="muted">{help}</small>
    </label>
  );

  return (
    <div
      class="overlay"
      role="dialog"
      aria-label="Quality settings"
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === "Escape") onClose();
      }}
    >
      <form class="dialog" onSubmit={save}>
        <h2>Quality settings</h2>
        {field("overlap", "Overlap", "How many different annotators label an overlapped item.", "1")}
        {field("overlapShare", "Overlap share", "The share of items, chosen at random, that are overlapped (1 = all).", "0.05")}
        {field("goldRate", "Gold rate", "The share of an annotator's tasks that are gold items with known answers.", "0.01")}
        {error && <p class="error">{error}</p>}
        <div class="row">
          <button type="submit" class="primary" data-testid="save-quality-settings" disabled={saving || !form}>
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
