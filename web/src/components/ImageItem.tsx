import { useState } from "preact/hooks";
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

const STEPS = [0, 1, 1.5, 2, 3, 4, 6, 8];

/** An image fitted to the view; zoom with + and -, a click or the wheel. 0 fits it again. */
export function ImageItem({ api, task, controls }: Props) {
  const { src, error } = useMedia(api, task.mediaUrl);
  // 0 = fit to the view; otherwise a multiple of the natural size.
  const [zoom, setZoom] = useState({ item: task.itemId, step: 0 });
  const step = zoom.item === task.itemId ? zoom.step : 0;
  const set = (next: number) =>
    setZoom({ item: task.itemId, step: Math.max(0, Math.min(STEPS.length - 1, next)) });

  controls.current = {
    zoomIn: () => set(step + 1),
    zoomOut: () => set(step - 1),
    reset: () => set(0),
  };

  const scale = STEPS[step];
  return (
    <div
      class={scale === 0 ? "item-image fit" : "item-image zoomed"}
      data-testid="item-image"
      onWheel={(e) => {
        if (!e.ctrlKey && !e.metaKey) return;
        e.preventDefault();
        set(step + (e.deltaY < 0 ? 1 : -1));
      }}
    >
      {error && <p class="error">The image could not be loaded: {error}</p>}
      {!task.mediaUrl && <p class="error">This item has no image file.</p>}
      {src && (
        <img
          src={src}
          alt={task.externalId}
          title={scale === 0 ? "Click for full size" : "Click to fit"}
          style={scale === 0 ? undefined : { width: `calc(var(--natural-w) * ${scale})` }}
          onLoad={(e) => {
            const img = e.currentTarget as HTMLImageElement;
            img.style.setProperty("--natural-w", `${img.naturalWidth}px`);
          }}
          onClick={() => set(scale === 0 ? 1 : 0)}
        />
      )}
      {scale !== 0 && <span class="zoom-badge">{scale}×</span>}
    </div>
  );
}
