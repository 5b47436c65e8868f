import "./review.css";
import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import { type QualitySettings, readQualitySettings, saveQualitySettings, undoAutoLabels } from "../api/quality";

interface Props {
  api: ApiClient;
  project: string;
  onSaved: (overlap: number) => void;
  onClose: () => void;
}

type FormField = "overlap" | "overlapShare" | "goldRate" | "autoAccept" | "autoAcceptMax" | "autoAcceptAudit";
type Form = Record<FormField, string>;

function toForm(s: QualitySettings): Form {
  return {
    overlap: String(s.overlap),
    overlapShare: String(s.overlapShare),
    goldRate: String(s.goldRate),
    autoAccept: s.autoAccept === null ? "" : String(s.autoAccept),
    autoAcceptMax: String(s.autoAcceptMax),
    autoAcceptAudit: String(s.autoAcceptAudit),
  };
}

/**
 * An admin's form for overlap, the share of items overlapped, the rate of gold items,
 * and auto-labeling (the model labels the items it is surest of itself), with the one
 * undo of the model's labels.
 */
export function QualitySettingsDialog({ api, project, onSaved, onClose }: Props) {
  const [form, setForm] = useState<Form | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  /** The undo of the model's labels: asked, then confirmed; the count withdrawn. */
  const [undo, setUndo] = useState<"idle" | "asking" | "working">("idle");
  const [undone, setUndone] = useState<number | null>(null);

  useEffect(() => {
    readQualitySettings(api, project)
      .then((s) => setForm(toForm(s)))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [api, project]);

  const undoModelLabels = async () => {
    setUndo("working");
    setError(null);
    try {
      setUndone(await undoAutoLabels(api, project));
      // Undoing switches auto-labeling off on the server; the form says so too.
      if (form) setForm({ ...form, autoAccept: "" });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setUndo("idle");
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form) return;
    const settings: QualitySettings = {
      overlap: Number(form.overlap),
      overlapShare: Number(form.overlapShare),
      goldRate: Number(form.goldRate),
      autoAccept: form.autoAccept.trim() === "" ? null : Number(form.autoAccept),
      autoAcceptMax: Number(form.autoAcceptMax),
      autoAcceptAudit: Number(form.autoAcceptAudit),
    };
    if (!Number.isInteger(settings.overlap) || settings.overlap < 1) {
      setError(`Overlap must be a whole number of annotators, 1 or more; got “${form.overlap}”.`);
      return;
    }
    for (const [name, v, given] of [
      ["Overlap share", settings.overlapShare, form.overlapShare],
      ["Gold rate", settings.goldRate, form.goldRate],
      ["Audited share", settings.autoAcceptAudit, form.autoAcceptAudit],
    ] as const) {
      if (!Number.isFinite(v) || v < 0 || v > 1) {
        setError(`${name} must be a share between 0 and 1; got “${given}”.`);
        return;
      }
    }
    const threshold = settings.autoAccept;
    if (threshold !== null && (!Number.isFinite(threshold) || threshold <= 0.5 || threshold > 1)) {
      setError(`Auto-accept must be a confidence above 0.5 and at most 1 (or empty: off); got “${form.autoAccept}”.`);
      return;
    }
    if (!Number.isInteger(settings.autoAcceptMax) || settings.autoAcceptMax < 1) {
      setError(`Auto-labels per round must be a whole number, 1 or more; got “${form.autoAcceptMax}”.`);
      return;
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

  const field = (name: FormField, label: string, help: string, step: string) => (
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
        <h3>Auto-labeling</h3>
        {field(
          "autoAccept",
          "Auto-accept at",
          "The model labels an unlabeled item itself when its confidence is at least this (e.g. 0.98). Empty: off.",
          "0.01",
        )}
        {field("autoAcceptMax", "Auto-labels per round", "At most this many items labeled by the model in one round.", "1")}
        {field(
          "autoAcceptAudit",
          "Audited share",
          "The share of the model's labels, chosen at random, sent to review to measure their accuracy.",
          "0.05",
        )}
        <div class="row">
          {undo === "idle" && (
            <button type="button" data-testid="undo-auto-labels" onClick={() => setUndo("asking")}>
              Undo the model's labels…
            </button>
          )}
          {undo !== "idle" && (
            <>
              <span data-testid="undo-auto-labels-question">
                Withdraw every label the model gave itself that no reviewer decided on, and switch auto-labeling off?
              </span>
              <button
                type="button"
                class="primary"
                data-testid="confirm-undo-auto-labels"
                disabled={undo === "working"}
                onClick={undoModelLabels}
              >
                Withdraw them
              </button>
              <button type="button" onClick={() => setUndo("idle")} disabled={undo === "working"}>
                Keep them
              </button>
            </>
          )}
        </div>
        {undone !== null && (
          <p class="muted" data-testid="undo-auto-labels-result">
            Withdrew {undone} of the model's labels; their items are back in the pool.
          </p>
        )}
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
