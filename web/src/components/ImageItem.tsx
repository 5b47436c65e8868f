import { useRef, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Task } from "../api/models";
import { useMedia } from "../hooks/media";

export interface ImageControls {
  zoomIn(): void;
  zoomOut(): void;
  reset(): void;
}

interface Props {
  api: ApiClient;
  task: Task;
  /** Filled in on each render so the page's keys can drive this item. */
  controls: { current: ImageControls | null };
}

const STEP = 1.5;
const MAX_SCALE = 16;

/**
 * An image fitted to the view. + and - (or Ctrl + wheel) zoom from the fitted size,
 * a click toggles between fitted and 1:1, 0 fits it again.
 */
export function ImageItem({ api, task, controls }: Props) {
  const { src, error } = useMedia(api, task.mediaUrl);
  const img = useRef<HTMLImageElement>(null);
  // 0 = fitted to the view; otherwise a multiple of the image's natural size.
  const [zoom, setZoom] = useState({ item: task.itemId, scale: 0 });
  const scale = zoom.item === task.itemId ? zoom.scale : 0;

  const set = (next: number) => setZoom({ item: task.itemId, scale: next });
  const zoomIn = () => set(Math.min(MAX_SCALE, (scale || fittedScale(img.current)) * STEP));
  const zoomOut = () => {
    if (scale === 0) return;
    const next = scale / STEP;
    set(next <= fittedScale(img.current) ? 0 : next);
  };

  controls.current = { zoomIn, zoomOut, reset: () => set(0) };

  return (
    <div
      class={scale === 0 ? "item-image fit" : "item-image zoomed"}
      data-testid="item-image"
      onWheel={(e) => {
        if (!e.ctrlKey && !e.metaKey) return;
        e.preventDefault();
        if (e.deltaY < 0) zoomIn();
        else zoomOut();
      }}
    >
      {error && <p class="error">The image could not be loaded: {error}</p>}
      {!task.mediaUrl && <p class="error">This item has no image file.</p>}
      {src && (
        // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard zooms with the page's zoom keys.
        <img
          ref={img}
          src={src}
          alt={task.externalId}
          title={scale === 0 ? "Click for 1:1" : "Click to fit"}
          style={scale === 0 ? undefined : { width: `${Math.round((img.current?.naturalWidth ?? 0) * scale)}px` }}
          onClick={() => set(scale === 0 ? 1 : 0)}
        />
      )}
      {scale !== 0 && <span class="zoom-badge">{Math.round(scale * 100)}%</span>}
    </div>
  );
}

/** The scale the image has when fitted to its box. */
function fittedScale(el: HTMLImageElement | null): number {
  const box = el?.parentElement;
  if (!el || !box || el.naturalWidth === 0 || el.naturalHeight === 0) return 1;
  return Math.min(box.clientWidth / el.naturalWidth, box.clientHeight / el.naturalHeight);
}
