import { Component } from "preact";
import { useMemo, useRef, useState } from "preact/hooks";
import { Kbd } from "../../components/Kbd";
import { Pure } from "../../components/Pure";
import "./labelButtons.css";
import {
  type Aliases,
  impliedParents,
  labelGroups,
  labelTree,
  type Parents,
  searchLabels,
  type TreeRow,
  wantsSearch,
} from "./labelSearch";

interface Props {
  labels: readonly string[];
  labelKeys: Readonly<Record<string, string>>;
  /** Labels toggled on (multi-label) or the label given (going back). */
  selected: ReadonlySet<string>;
  suggested: readonly string[];
  /** Each button is on or off (multi-label): it says so to a screen reader. */
  toggles: boolean;
  onLabel: (label: string) => void;
  /** The taxonomy: label → its parents (labels are grouped under them). */
  parents?: Parents;
  /** The taxonomy: alias → label (the search finds a label by them too). */
  aliases?: Aliases;
}

/** Matches shown at once; typing more narrows them. */
const SHOWN_MATCHES = 30;
/** From this many labels on, the labels scroll in a box of their own. */
const MANY_LABELS = 40;

/**
 * One button per label, with its key; the model's suggestion and the chosen
 * labels marked, and the parents the taxonomy adds to a chosen label shown
 * chosen too. With many labels (or a taxonomy) a search box comes first: "/"
 * focuses it, typing narrows the labels, ↑/↓ pick a match, Enter gives
 * (single label) or toggles (multi-label) it, Esc clears the box and leaves it.
 */
export function LabelButtons({ labels, labelKeys, selected, suggested, toggles, onLabel, parents = {}, aliases = {} }: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  // The buttons keep one callback: the page passes a new one on every render,
  // and a button whose props did not change is not drawn again.
  const latest = useRef(onLabel);
  latest.current = onLabel;
  const press = useMemo(() => (label: string) => latest.current(label), []);

  const tree = useMemo(() => labelTree(labels, parents), [labels, parents]);
  const implied = useMemo(() => impliedParents(selected, parents), [selected, parents]);
  const search = wantsSearch(labels, parents);
  const matches = useMemo(
    () => (query ? searchLabels(labels, query, { parents, aliases, limit: SHOWN_MATCHES + 1 }) : []),
    [labels, parents, aliases, query],
  );
  const shown = matches.slice(0, SHOWN_MATCHES);
  const current = Math.min(active, Math.max(shown.length - 1, 0));

  const onKeyDown = (e: KeyboardEvent) => {
    const box = e.currentTarget as HTMLInputElement;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const step = e.key === "ArrowDown" ? 1 : -1;
      setActive(Math.max(0, Math.min(shown.length - 1, current + step)));
    } else if (e.key === "Escape") {
      e.preventDefault();
      setQuery("");
      setActive(0);
      box.blur();
    } else if (e.key === "Enter") {
      e.preventDefault();
      const match = shown[current];
      if (!match) {
        // An empty box: leave it, so the next Enter is the page's (submit).
        if (!query) box.blur();
        return;
      }
      setQuery("");
      setActive(0);
      // A single label moves on to the next item: the page's keys are back.
      if (!toggles) box.blur();
      press(match.label);
    }
  };

  const state = (label: string) => ({
    on: selected.has(label),
    implied: implied.has(label),
    suggested: suggested.includes(label),
  });

  return (
    <div class="label-editor">
      {search && (
        <div class="label-search">
          <input
            type="search"
            data-label-search=""
            data-testid="label-search"
            placeholder={`Search ${labels.length} labels  ( / )`}
            aria-label="Search the labels"
            aria-controls="label-matches"
            value={query}
            onInput={(e) => {
              setQuery((e.currentTarget as HTMLInputElement).value);
              setActive(0);
            }}
            onKeyDown={onKeyDown}
          />
          <span class="muted label-search-hint">
            {query
              ? `${matches.length > SHOWN_MATCHES ? `${SHOWN_MATCHES}+` : matches.length} found · ↑↓ pick · Enter ${toggles ? "toggles" : "gives"} · Esc clears`
              : "/ to search"}
          </span>
        </div>
      )}
      {search && labels.length >= MANY_LABELS && (selected.size > 0 || implied.size > 0) && !query && (
        <p class="chosen-labels muted" data-testid="chosen-labels">
          Chosen: {[...selected].join(", ")}
          {implied.size > 0 && ` (+ ${labels.filter((l) => implied.has(l)).join(", ")} from the taxonomy)`}
        </p>
      )}
      {query && (
        // biome-ignore lint/a11y/useSemanticElements: a list of buttons; the role names the group for screen readers.
        <div class="labels matches" id="label-matches" role="group" aria-label="Labels found">
          {shown.length === 0 && <p class="muted">No label matches “{query}”.</p>}
          {shown.map((m, i) => (
            <LabelButton
              key={m.label}
              label={m.label}
              labelKey={labelKeys[m.label]}
              toggles={toggles}
              {...state(m.label)}
              active={i === current}
              path={m.path.join(" › ")}
              alias={m.alias}
              depth={0}
              testId="label-match"
              onPress={press}
            />
          ))}
        </div>
      )}
      {/* Kept in the page while searching, only hidden: the first character
          typed and Esc then cost no unmounting and remounting of every button. */}
      <div hidden={query.length > 0}>
        {/* Typing in the box changes none of these: the tree is not walked again. */}
        <Pure deps={[tree, labels.length, labelKeys, toggles, selected, implied, suggested, press]}>
          {() => (
            <LabelTree
              tree={tree}
              many={labels.length >= MANY_LABELS}
              labelKeys={labelKeys}
              toggles={toggles}
              state={state}
              onPress={press}
            />
          )}
        </Pure>
      </div>
    </div>
  );
}

function LabelTree({
  tree,
  many,
  labelKeys,
  toggles,
  state,
  onPress,
}: {
  tree: readonly TreeRow[];
  many: boolean;
  labelKeys: Readonly<Record<string, string>>;
  toggles: boolean;
  state: (label: string) => { on: boolean; implied: boolean; suggested: boolean };
  onPress: (label: string) => void;
}) {
  const button = (row: TreeRow) => (
    <LabelButton
      key={row.key}
      label={row.label}
      labelKey={labelKeys[row.label]}
      toggles={toggles}
      {...state(row.label)}
      active={false}
      path=""
      alias={null}
      depth={row.depth}
      parent={row.hasChildren}
      testId="label-button"
      onPress={onPress}
    />
  );
  const groups = useMemo(() => labelGroups(tree), [tree]);
  const grouped = groups.filter((g) => g.rows.length > 0);
  if (grouped.length === 0) {
    return (
      // biome-ignore lint/a11y/useSemanticElements: a fieldset brings a border, padding and flex quirks of its own; the role says the same.
      <div class={`labels${many ? " many" : ""}`} role="group" aria-label="Labels">
        {tree.map(button)}
      </div>
    );
  }
  // Parents with the labels under them first, each a block; the labels that
  // have neither parent nor child after them, together.
  const alone = groups.filter((g) => g.rows.length === 0);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a fieldset brings a border, padding and flex quirks of its own; the role says the same.
    <div class={`label-groups${many ? " many" : ""}`} role="group" aria-label="Labels">
      {grouped.map((g) => (
        <section key={g.root.key} class="label-group" aria-label={g.root.label}>
          {button(g.root)}
          <div class="labels">{g.rows.map(button)}</div>
        </section>
      ))}
      {alone.length > 0 && (
        <section class="label-group alone" aria-label="Other labels">
          <div class="labels">{alone.map((g) => button(g.root))}</div>
        </section>
      )}
    </div>
  );
}

interface ButtonProps {
  label: string;
  labelKey: string | undefined;
  toggles: boolean;
  on: boolean;
  /** Not chosen, but the taxonomy adds it with a chosen child. */
  implied: boolean;
  suggested: boolean;
  /** The match Enter gives. */
  active: boolean;
  /** Its parents, "a › b", shown before a match. */
  path: string;
  alias: string | null;
  depth: number;
  /** Labels sit under it (the tree starts a group with it). */
  parent?: boolean;
  testId: string;
  onPress: (label: string) => void;
}

/**
 * One label's button. It is drawn again only when one of its own props
 * changes: with 400 labels, a key press that shows the next item redraws the
 * few buttons whose state changed, not all of them.
 */
class LabelButton extends Component<ButtonProps> {
  shouldComponentUpdate(next: ButtonProps): boolean {
    const now = this.props as unknown as Record<string, unknown>;
    const then = next as unknown as Record<string, unknown>;
    return Object.keys(then).some((k) => !Object.is(now[k], then[k]));
  }

  render() {
    const { label, labelKey, toggles, on, implied, suggested, active, path, alias, depth, parent, testId, onPress } =
      this.props;
    const classes = ["label"];
    if (on) classes.push("selected");
    else if (implied) classes.push("implied");
    if (suggested) classes.push("suggested");
    if (active) classes.push("active");
    if (parent) classes.push("parent");
    if (depth > 0) classes.push(`depth-${Math.min(depth, 3)}`);
    return (
      <button
        type="button"
        class={classes.join(" ")}
        data-testid={`${testId}-${label}`}
        aria-pressed={toggles ? on || implied : undefined}
        aria-current={active ? "true" : undefined}
        title={implied ? `${label}: added with a chosen label under it (taxonomy)` : undefined}
        onClick={() => onPress(label)}
      >
        <Kbd k={labelKey} />
        {path && <span class="label-path">{path} ›</span>}
        <span>{label}</span>
        {alias && <span class="label-alias">({alias})</span>}
      </button>
    );
  }
}
