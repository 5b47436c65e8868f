import type { Project } from "../api/models";
import { Kbd } from "./Kbd";

interface Props {
  project: Project;
  labelKeys: Record<string, string>;
  /** Labels toggled on (multi-label) or the label given (going back). */
  selected: ReadonlySet<string>;
  suggested: readonly string[];
  onLabel: (label: string) => void;
}

export function LabelButtons({ project, labelKeys, selected, suggested, onLabel }: Props) {
  return (
    <div class="labels" role="group" aria-label="Labels">
      {project.labels.map((label) => {
        const classes = ["label"];
        if (selected.has(label)) classes.push("selected");
        if (suggested.includes(label)) classes.push("suggested");
        return (
          <button
            key={label}
            type="button"
            class={classes.join(" ")}
            data-testid={`label-button-${label}`}
            aria-pressed={project.multilabel ? selected.has(label) : undefined}
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
