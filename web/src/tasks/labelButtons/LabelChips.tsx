import type { AnnotationValue } from "../../api/models";
import { formatLabels, toLabels } from "./values";

interface Props {
  labels: readonly string[];
  value: AnnotationValue;
  busy: boolean;
  /** The value a click on `label` makes of `current`, or null when it changes nothing. */
  next: (current: readonly string[], label: string) => AnnotationValue | null;
  onChange: (value: AnnotationValue) => void;
}

/** A History row's labels as chips: the given ones on, a click changes the label. */
export function LabelChips({ labels, value, busy, next, onChange }: Props) {
  const current = toLabels(value);
  return (
    <>
      <div class="chips">
        {labels.map((label) => (
          <button
            key={label}
            type="button"
            class={current.includes(label) ? "chip on" : "chip"}
            disabled={busy}
            aria-pressed={current.includes(label)}
            onClick={() => {
              const changed = next(current, label);
              if (changed !== null) onChange(changed);
            }}
            title={`Change to ${label}`}
          >
            {label}
          </button>
        ))}
      </div>
      <span class="sr-only">{formatLabels(value)}</span>
    </>
  );
}
