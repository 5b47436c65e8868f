import { labelColor } from "../ner/colors";
import type { HistoryCellProps } from "../editor";
import { boxesValue, formatBoxes, toBoxes } from "./boxes";

/** A History row's boxes: each with its class and where it is, and a button that removes it. */
export function HistoryCell({ project, value, busy, onChange }: HistoryCellProps) {
  const boxes = toBoxes(value);
  return (
    <>
      <div class="chips">
        {boxes.length === 0 && <span class="muted">no boxes</span>}
        {boxes.map((box, index) => (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: a box is its place in the value; boxes have no id.
            key={`${index}-${box.x}-${box.y}`}
            class="span-chip"
            style={{ "--span-color": labelColor(project.labels, box.label) }}
            title={`x ${box.x.toFixed(3)}, y ${box.y.toFixed(3)}, ${box.w.toFixed(3)} × ${box.h.toFixed(3)} of the image`}
          >
            {box.label}
            <small>
              {Math.round(box.w * 100)}% × {Math.round(box.h * 100)}%
            </small>
            <button
              type="button"
              class="link"
              disabled={busy}
              title={`Remove this ${box.label} box`}
              aria-label={`Remove this ${box.label} box`}
              onClick={() => onChange(boxesValue(boxes.filter((_, i) => i !== index)))}
            >
              ×
            </button>
          </span>
        ))}
      </div>
      <span class="sr-only">{formatBoxes(value)}</span>
    </>
  );
}
