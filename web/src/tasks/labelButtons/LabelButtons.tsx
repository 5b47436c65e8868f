import { Kbd } from "../../components/Kbd";

interface Props {
  labels: readonly string[];
  labelKeys: Readonly<Record<string, string>>;
  /** Labels toggled on (multi-label) or the label given (going back). */
  selected: ReadonlySet<string>;
  suggested: readonly string[];
  /** Each button is on or off (multi-label): it says so to a screen reader. */
  toggles: boolean;
  onLabel: (label: string) => void;
}

/** One button per label, with its key; the model's suggestion and the chosen labels marked. */
export function LabelButtons({ labels, labelKeys, selected, suggested, toggles, onLabel }: Props) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a fieldset brings a border, padding and flex quirks of its own; the role says the same.
    <div class="labels" role="group" aria-label="Labels">
      {labels.map((label) => {
        const classes = ["label"];
        if (selected.has(label)) classes.push("selected");
        if (suggested.includes(label)) classes.push("suggested");
        return (
          <button
            key={label}
            type="button"
            class={classes.join(" ")}
            data-testid={`label-button-${label}`}
            aria-pressed={toggles ? selected.has(label) : undefined}
            onClick={() => onLabel(label)}
          >
            <Kbd k={labelKeys[label]} />
            <span>{label}</span>
          </button>
        );
      })}
    </div>
  );
}
