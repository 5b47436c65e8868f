// The image with its boxes over it. Boxes are placed in percent of the image,
// so zooming (the wheel, the +/- buttons or keys) and panning (scrollbars, a
// drag with Space held or with the middle button) never change them. A drag
// on the image draws a box, on a box moves it, on a handle resizes it; the
// drag in progress stays in this component and reaches the draft when the
// button is released, so a pointer move repaints only the image.

import type { CSSProperties, TargetedPointerEvent } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ApiClient } from "../../api/client";
import type { Task } from "../../api/models";
import { useMedia } from "../../hooks/media";
import { isTyping } from "../../lib/keymap";
import { labelColor } from "../ner/colors";
import type { Step } from "../editor";
import { formatScore, type DraftBox, type Rect } from "./boxes";
import { addBox, placeBox, selectBox, setSize, type BoxState, type Draft, type ImageSize } from "./draft";
import { HANDLES, moveRect, rectBetween, resizeRect, type Handle } from "./geometry";

interface Point {
  x: number;
  y: number;
}

type Drag =
  | { kind: "draw"; start: Point; at: Point }
  | { kind: "move"; index: number; start: Point; at: Point }
  | { kind: "resize"; index: number; handle: Handle; start: Point; at: Point }
  | { kind: "pan"; client: Point; scroll: Point };

interface Props {
  api: ApiClient;
  task: Task;
  labels: readonly string[];
  boxes: readonly DraftBox[];
  selected: number | null;
  /** The image's size in pixels when the item's data says it. */
  knownSize: ImageSize | null;
  onStep: (change: (state: BoxState) => Step<Draft>) => void;
}

const ZOOM_STEP = 1.25;
const MAX_SCALE = 16;
/** A drag shorter than this many screen pixels is a click. */
const CLICK_PX = 4;

/** Where a drag has put the box being drawn, moved or resized. */
function dragged(drag: Drag, boxes: readonly DraftBox[]): Rect | null {
  if (drag.kind === "draw") return rectBetween(drag.start, drag.at);
  if (drag.kind === "pan") return null;
  const box = boxes[drag.index];
  if (!box) return null;
  const dx = drag.at.x - drag.start.x;
  const dy = drag.at.y - drag.start.y;
  return drag.kind === "move" ? moveRect(box, dx, dy) : resizeRect(box, drag.handle, dx, dy);
}

function percent(rect: Rect): CSSProperties {
  return { left: `${rect.x * 100}%`, top: `${rect.y * 100}%`, width: `${rect.w * 100}%`, height: `${rect.h * 100}%` };
}

export function BoxCanvas({ api, task, labels, boxes, selected, knownSize, onStep }: Props) {
  const { src, error } = useMedia(api, task.mediaUrl);
  const stage = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLDivElement>(null);
  const [loaded, setLoaded] = useState<{ item: number; size: ImageSize } | null>(null);
  const size = knownSize ?? (loaded?.item === task.itemId ? loaded.size : null);
  const [zoom, setZoom] = useState({ item: task.itemId, scale: 0 });
  const [view, setView] = useState({ width: 800, height: 500 });
  const [drag, setDrag] = useState<Drag | null>(null);
  const [panning, setPanning] = useState(false);
  const hover = useRef(false);
  const space = useRef(false);
  // The image point to keep under the pointer through a zoom: [relative point, pointer in the stage].
  const anchor = useRef<[Point, Point] | null>(null);

  const fit = size ? Math.min(view.width / size.width, view.height / size.height) : 1;
  const scale = zoom.item === task.itemId && zoom.scale > fit ? zoom.scale : fit;
  const shown = size ? { width: size.width * scale, height: size.height * scale } : null;

  useLayoutEffect(() => {
    const el = stage.current;
    if (!el) return;
    const measure = () => setView({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // After a zoom, scroll so the image point that was under the pointer still is.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once per zoom (scale); `shown` follows it.
  useLayoutEffect(() => {
    const el = stage.current;
    const keep = anchor.current;
    anchor.current = null;
    if (!el || !keep || !shown) return;
    const left = Math.max(0, (el.clientWidth - shown.width) / 2);
    const top = Math.max(0, (el.clientHeight - shown.height) / 2);
    el.scrollLeft = left + keep[0].x * shown.width - keep[1].x;
    el.scrollTop = top + keep[0].y * shown.height - keep[1].y;
  }, [scale]);

  const zoomTo = (next: number, around?: Point) => {
    const el = stage.current;
    const box = canvas.current?.getBoundingClientRect();
    if (el && box && box.width > 0) {
      const stageBox = el.getBoundingClientRect();
      const pointer = around ?? { x: stageBox.left + el.clientWidth / 2, y: stageBox.top + el.clientHeight / 2 };
      anchor.current = [
        { x: (pointer.x - box.left) / box.width, y: (pointer.y - box.top) / box.height },
        { x: pointer.x - stageBox.left, y: pointer.y - stageBox.top },
      ];
    }
    setZoom({ item: task.itemId, scale: Math.min(MAX_SCALE, next) });
  };
  const zoomIn = (around?: Point) => zoomTo(scale * ZOOM_STEP, around);
  const zoomOut = (around?: Point) => zoomTo(scale / ZOOM_STEP, around);
  const zoomFit = () => setZoom({ item: task.itemId, scale: 0 });

  // Space held over the image pans (the page's Space, skip, waits); + - 0 zoom.
  const keys = useRef({ zoomIn, zoomOut, zoomFit });
  keys.current = { zoomIn, zoomOut, zoomFit };
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (e.key === " " && (hover.current || space.current)) {
        e.preventDefault();
        e.stopPropagation();
        space.current = true;
        setPanning(true);
      } else if (e.key === "+" || e.key === "=") keys.current.zoomIn();
      else if (e.key === "-") keys.current.zoomOut();
      else if (e.key === "0") keys.current.zoomFit();
    };
    const up = (e: KeyboardEvent) => {
      if (e.key !== " " || !space.current) return;
      // Nor does a focused button take the Space as a click.
      e.preventDefault();
      e.stopPropagation();
      space.current = false;
      setPanning(false);
    };
    window.addEventListener("keydown", down, true);
    window.addEventListener("keyup", up, true);
    return () => {
      window.removeEventListener("keydown", down, true);
      window.removeEventListener("keyup", up, true);
    };
  }, []);

  const pointAt = (e: PointerEvent): Point => {
    const box = canvas.current?.getBoundingClientRect();
    if (!box || box.width === 0 || box.height === 0) return { x: 0, y: 0 };
    return { x: (e.clientX - box.left) / box.width, y: (e.clientY - box.top) / box.height };
  };

  const onPointerDown = (e: TargetedPointerEvent<HTMLDivElement>) => {
    if (!shown || (e.button !== 0 && e.button !== 1)) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const el = stage.current;
    if (e.button === 1 || space.current) {
      if (el) setDrag({ kind: "pan", client: { x: e.clientX, y: e.clientY }, scroll: { x: el.scrollLeft, y: el.scrollTop } });
      return;
    }
    const at = pointAt(e);
    const target = e.target instanceof Element ? e.target : null;
    const handle = target?.closest<HTMLElement>("[data-handle]");
    const boxEl = target?.closest<HTMLElement>("[data-testid='box']");
    if (handle && boxEl) {
      setDrag({ kind: "resize", index: Number(boxEl.dataset.index), handle: handle.dataset.handle as Handle, start: at, at });
    } else if (boxEl) {
      setDrag({ kind: "move", index: Number(boxEl.dataset.index), start: at, at });
    } else {
      setDrag({ kind: "draw", start: at, at });
    }
  };

  const onPointerMove = (e: TargetedPointerEvent<HTMLDivElement>) => {
    if (!drag) return;
    if (drag.kind === "pan") {
      const el = stage.current;
      if (el) {
        el.scrollLeft = drag.scroll.x - (e.clientX - drag.client.x);
        el.scrollTop = drag.scroll.y - (e.clientY - drag.client.y);
      }
      return;
    }
    setDrag({ ...drag, at: pointAt(e) });
  };

  const onPointerUp = (e: TargetedPointerEvent<HTMLDivElement>) => {
    const done = drag;
    setDrag(null);
    if (!done || done.kind === "pan" || !shown) return;
    const at = pointAt(e);
    const final = { ...done, at };
    const travelled = Math.hypot((at.x - done.start.x) * shown.width, (at.y - done.start.y) * shown.height);
    const rect = dragged(final, boxes);
    if (final.kind === "draw") {
      if (travelled < CLICK_PX || !rect || rect.w * shown.width < CLICK_PX || rect.h * shown.height < CLICK_PX) {
        onStep((state) => selectBox(state, null));
      } else {
        onStep((state) => addBox(state, rect));
      }
      return;
    }
    const index = final.index;
    if (travelled < CLICK_PX || !rect || rect.w * shown.width < 1 || rect.h * shown.height < 1) {
      onStep((state) => selectBox(state, index));
    } else {
      onStep((state) => placeBox(state, index, rect));
    }
  };

  const preview = drag ? dragged(drag, boxes) : null;
  const moving = drag && drag.kind !== "draw" && drag.kind !== "pan" ? drag.index : null;

  return (
    <div class="box-view">
      <div class="box-tools">
        <button type="button" onClick={() => zoomOut()} title="Zoom out (-)" aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => zoomIn()} title="Zoom in (+)" aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={zoomFit} title="Fit the image to the view (0)">
          Fit
        </button>
        <span class="muted" data-testid="box-zoom">
          {Math.round(scale * 100)}%
        </span>
        <span class="muted box-help">Drag to draw · Space+drag or middle button to pan · wheel to zoom</span>
      </div>
      <div
        ref={stage}
        class={panning ? "box-stage panning" : "box-stage"}
        data-testid="box-stage"
        onPointerEnter={() => {
          hover.current = true;
        }}
        onPointerLeave={() => {
          hover.current = false;
        }}
        onWheel={(e) => {
          if (!shown) return;
          e.preventDefault();
          const around = { x: e.clientX, y: e.clientY };
          if (e.deltaY < 0) zoomIn(around);
          else zoomOut(around);
        }}
      >
        {error && <p class="error">The image could not be loaded: {error}</p>}
        {!task.mediaUrl && <p class="error">This item has no image file.</p>}
        {src && (
          <div
            ref={canvas}
            class="box-canvas"
            data-testid="box-canvas"
            style={shown ? { width: `${shown.width}px`, height: `${shown.height}px` } : { visibility: "hidden" }}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={() => setDrag(null)}
          >
            <img
              src={src}
              alt={task.externalId}
              data-testid="box-image"
              draggable={false}
              onLoad={(e) => {
                const img = e.currentTarget;
                const natural = { width: img.naturalWidth, height: img.naturalHeight };
                setLoaded({ item: task.itemId, size: natural });
                if (!knownSize) onStep((state) => setSize(state, natural));
              }}
            />
            {boxes.map((box, index) => (
              <BoxShape
                // biome-ignore lint/suspicious/noArrayIndexKey: a box is its place in the value; boxes have no id.
                key={index}
                box={index === moving && preview ? { ...box, ...preview } : box}
                index={index}
                color={labelColor(labels, box.label)}
                selected={index === selected}
              />
            ))}
            {drag?.kind === "draw" && preview && (
              <div
                class="box drawing"
                data-testid="box-drawing"
                data-extent={`${preview.x},${preview.y},${preview.w},${preview.h}`}
                style={percent(preview)}
              />
            )}
          </div>
        )}
      </div>
    </div>
  );
}

function BoxShape({ box, index, color, selected }: { box: DraftBox; index: number; color: string; selected: boolean }) {
  const classes = ["box"];
  if (box.source !== undefined) classes.push("suggested");
  if (selected) classes.push("selected");
  const score = formatScore(box.score);
  return (
    <div
      class={classes.join(" ")}
      data-testid="box"
      data-index={index}
      data-label={box.label}
      data-source={box.source ?? "person"}
      data-extent={`${box.x},${box.y},${box.w},${box.h}`}
      style={{ ...percent(box), "--box-color": color }}
    >
      <span class="box-caption">
        {box.label}
        {score && ` ${score}`}
      </span>
      {selected && HANDLES.map((handle) => <span key={handle} class={`handle ${handle}`} data-handle={handle} />)}
    </div>
  );
}
