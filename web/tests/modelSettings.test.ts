import { describe, expect, it } from "vitest";
import { describeCleared } from "../src/api/importedOrder";
import { type ModelSettings, modelSettingsChange, toModelSettings, toModelSettingsForm } from "../src/api/modelSettings";
import type { ProjectRaw } from "../src/api/types";

const TEXT_PROJECT = {
  name: "sms",
  task: "classification",
  editor: "classification",
  modality: "text",
  labels: ["ham", "spam"],
  keys: { ham: "1", spam: "2" },
  retrain_every: 10,
  overlap: 1,
  items: 3,
  labeled_items: 0,
  model: "auto",
  automl_budget: 30,
  featurizer: null,
  featurizers: ["tfidf", "hashing", "embeddings", "both", "auto"],
  default_featurizer: "tfidf",
  augment: null,
  augment_default: null,
} satisfies ProjectRaw;

describe("the model settings dialog's change", () => {
  const saved: ModelSettings = toModelSettings(TEXT_PROJECT);

  it("reads the project's settings, a default shown as the empty choice", () => {
    expect(saved.featurizers).toContain("auto");
    expect(toModelSettingsForm(saved)).toEqual({ model: "auto", automlBudget: "30", featurizer: "", augment: "" });
  });

  it("sends only what changed, and a choice set back to its default as an explicit null", () => {
    const form = { ...toModelSettingsForm(saved), model: "", featurizer: "embeddings" };
    expect(modelSettingsChange(saved, form)).toEqual({ body: { model: null, featurizer: "embeddings" }, error: null });
    expect(modelSettingsChange(saved, toModelSettingsForm(saved))).toEqual({ body: {}, error: null });
  });

  it("leaves a budget of 0 to the server's sentence but refuses one that is no number", () => {
    const zero = modelSettingsChange(saved, { ...toModelSettingsForm(saved), automlBudget: "0" });
    expect(zero).toEqual({ body: { automl_budget: 0 }, error: null });
    const text = modelSettingsChange(saved, { ...toModelSettingsForm(saved), automlBudget: "a minute" });
    expect(text.error).toBe("The AutoML time budget must be a number of seconds; got “a minute”.");
    expect(modelSettingsChange(saved, { ...toModelSettingsForm(saved), automlBudget: " " }).error).not.toBeNull();
  });

  it("turns augmentation on, off and back to the modality's default for an image project", () => {
    const image = toModelSettings({ ...TEXT_PROJECT, modality: "image", augment: false, augment_default: true });
    const form = toModelSettingsForm(image);
    expect(form.augment).toBe("off");
    expect(modelSettingsChange(image, { ...form, augment: "on" }).body).toEqual({ augment: true });
    expect(modelSettingsChange(image, { ...form, augment: "" }).body).toEqual({ augment: null });
  });
});

describe("the end of an imported order, as the page says it", () => {
  it("counts the items returned to the pool and those annotators hold", () => {
    expect(describeCleared({ removed: 2, held: 1 })).toBe(
      "2 items of the imported order returned to the pool; 1 held by annotators stay with them.",
    );
    expect(describeCleared({ removed: 3, held: 0 })).toBe("3 items of the imported order returned to the pool.");
    expect(describeCleared({ removed: 0, held: 0 })).toBe("No imported order was being served.");
  });
});
