import { useState } from "preact/hooks";
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

/** Up to this many labels, a History row shows one chip per label. */
const ALL_CHIPS = 12;

/**
 * A History row's labels as chips: the given ones on, a click changes the
 * label. With many labels (400 tags), a row shows only the labels given, and
 * a box to type another one (the project's labels are its suggestions):
 * fifty rows of 400 chips would be 20,000 buttons.
 */
export function LabelChips({ labels, value, busy, next, onChange }: Props) {
  const current = toLabels(value);
  const change = (label: string) => {
    const changed = next(current, label);
    if (changed !== null) onChange(changed);
  };
  const shown = labels.length <= ALL_CHIPS ? labels : labels.filter((l) => current.includes(l));
  return (
    <>
      <div class="chips">
        {shown.map((label) => (
          <button
            key={label}
            type="button"
            class={current.includes(label) ? "chip on" : "chip"}
            disabled={busy}
            aria-pressed={current.includes(label)}
            onClick={() => change(label)}
            title={`Change to ${label}`}
          >
            {label}
          </button>
        ))}
        {labels.length > ALL_CHIPS && <OtherLabel labels={labels} busy={busy} onPick={change} />}
      </div>
      <span class="sr-only">{formatLabels(value)}</span>
    </>
  );
}

/**
 * A box to name a label among many; Enter picks it when the project has it.
 * Its list of labels exists only while the box has the focus, so a page of
 * rows holds one list, not one per row.
 */
function OtherLabel({ labels, busy, onPick }: { labels: readonly string[]; busy: boolean; onPick: (label: string) => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState(false);
  const [focused, setFocused] = useState(false);
  const listId = "history-label-choices";
  return (
    <>
      <input
        class="chip-input"
        list={focused ? listId : undefined}
        value={text}
        disabled={busy}
        placeholder="another label…"
        aria-label="Another label"
        aria-invalid={error}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onInput={(e) => {
          setText((e.currentTarget as HTMLInputElement).value);
          setError(false);
        }}
        onKeyDown={(e) => {
          if (e.key !== "Enter") return;
          e.preventDefault();
          const label = text.trim();
          if (!labels.includes(label)) {
            setError(true);
            return;
          }
          setText("");
          onPick(label);
        }}
      />
      {focused && (
        <datalist id={listId}>
          {labels.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      )}
    </>
  );
}
