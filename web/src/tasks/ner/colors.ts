// One colour per label, by its place in the project's labels: light enough
// behind black text, different enough side by side.

const PALETTE = [
  "#bfdbfe", // blue
  "#fde68a", // amber
  "#bbf7d0", // green
  "#fbcfe8", // pink
  "#ddd6fe", // violet
  "#fed7aa", // orange
  "#a5f3fc", // cyan
  "#e5e7eb", // grey
] as const;

/** The highlight colour of `label` among `labels` (the palette repeats past eight labels). */
export function labelColor(labels: readonly string[], label: string): string {
  const index = labels.indexOf(label);
  return PALETTE[(index < 0 ? labels.length : index) % PALETTE.length];
}
