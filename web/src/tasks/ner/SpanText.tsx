import { useEffect, useRef } from "preact/hooks";
import { Pure } from "../../components/Pure";
import { formatPercent } from "../../lib/format";
import { labelColor } from "./colors";
import type { Layout } from "./layout";
import type { Piece, Segment } from "./segments";

interface Props {
  labels: readonly string[];
  layout: Layout;
  segments: readonly Segment[];
  cursor: number;
  /** The selected tokens, first and last. */
  selected: readonly [number, number];
  /** A token pressed (`extend`: with Shift), or entered while the button is held. */
  onPick: (token: number, how: "press" | "extend" | "drag") => void;
}

function tokenOf(target: EventTarget | null): number | null {
  if (!(target instanceof Element)) return null;
  const element = target.closest("[data-token]");
  return element instanceof HTMLElement ? Number(element.dataset.token) : null;
}

/**
 * The sentence, token by token, as text: spans as coloured highlights with
 * their label, prelabels dashed with their source, the cursor's token outlined
 * and the selection shaded. Pressing a token and dragging selects whole tokens.
 */
export function SpanText({ labels, layout, segments, cursor, selected, onPick }: Props) {
  const dragging = useRef<number | null>(null);
  useEffect(() => {
    const stop = () => {
      dragging.current = null;
    };
    window.addEventListener("mouseup", stop);
    return () => window.removeEventListener("mouseup", stop);
  }, []);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the keyboard path is the page's keys (arrows, labels); the mouse path is this handler.
    // biome-ignore lint/a11y/useKeyWithMouseEvents: the keyboard extends a selection with Shift+arrows (the page's keys), not with focus.
    <div
      class="span-text"
      data-testid="span-text"
      dir={layout.direction}
      onMouseDown={(e) => {
        const token = tokenOf(e.target);
        if (token === null || e.button !== 0) return;
        e.preventDefault(); // no native text selection: the selection is tokens
        if (e.shiftKey) {
          onPick(token, "extend");
        } else {
          dragging.current = token;
          onPick(token, "press");
        }
      }}
      onMouseOver={(e) => {
        if (dragging.current === null) return;
        const token = tokenOf(e.target);
        if (token !== null) onPick(token, "drag");
      }}
    >
      {segments.map((segment) => {
        // A segment is redrawn only when it, or the cursor or the selection on
        // it, changed: a key press redraws a token or a span, not the sentence.
        if (segment.kind === "gap") {
          return (
            <Pure key={`g${segment.after}`} deps={[segment]}>
              {() => <span>{segment.text}</span>}
            </Pure>
          );
        }
        const [first, last] = segment.kind === "mark" ? [segment.first, segment.last] : [segment.index, segment.index];
        const from = Math.max(first, selected[0]);
        const to = Math.min(last, selected[1]);
        const here = first <= cursor && cursor <= last ? cursor : -1;
        return (
          <Pure key={`s${first}`} deps={[segment, here, from <= to ? `${from}-${to}` : "", labels]}>
            {() => drawSegment(segment, labels, cursor, selected)}
          </Pure>
        );
      })}
    </div>
  );
}

function drawPiece(p: Piece, cursor: number, selected: readonly [number, number]) {
  if (p.kind === "gap") return <span key={`g${p.after}`}>{p.text}</span>;
  const classes = ["tok"];
  if (p.index >= selected[0] && p.index <= selected[1]) classes.push("sel");
  if (p.index === cursor) classes.push("cur");
  return (
    <span key={`t${p.index}`} class={classes.join(" ")} data-token={p.index} aria-current={p.index === cursor ? "true" : undefined}>
      {p.text}
    </span>
  );
}

function drawSegment(segment: Segment, labels: readonly string[], cursor: number, selected: readonly [number, number]) {
  if (segment.kind !== "mark") return drawPiece(segment, cursor, selected);
  const { span, prelabel } = segment;
  const tag = prelabel
    ? `${span.label} · ${prelabel.source}${prelabel.confidence === null ? "" : ` ${formatPercent(prelabel.confidence)}`}`
    : span.label;
  return (
    <mark
      class={prelabel ? "span prelabel" : "span"}
      style={{ "--span-color": labelColor(labels, span.label) }}
      data-testid={prelabel ? "prelabel" : "span"}
      data-label={span.label}
      data-start={span.start}
      data-end={span.end}
      data-source={prelabel?.source}
    >
      {segment.pieces.map((p) => drawPiece(p, cursor, selected))}
      <span class="span-tag">{tag}</span>
    </mark>
  );
}
