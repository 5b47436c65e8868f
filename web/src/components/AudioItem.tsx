import { useEffect, useRef, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Task } from "../api/models";
import { mediaBlob, useMedia } from "../hooks/media";
import { peaks } from "../lib/waveform";

export interface AudioControls {
  togglePlay(): void;
  seek(seconds: number): void;
}

interface Props {
  api: ApiClient;
  task: Task;
  /** Filled in on each render so the page's keys can drive this item. */
  controls: { current: AudioControls | null };
}

const WAVE_WIDTH = 800;
const WAVE_HEIGHT = 96;

/** A sound: play/pause (P), seek ([ and ]), a progress bar and its waveform. */
export function AudioItem({ api, task, controls }: Props) {
  const { src, error } = useMedia(api, task.mediaUrl);
  const audio = useRef<HTMLAudioElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [time, setTime] = useState({ current: 0, duration: 0, playing: false });
  const [wave, setWave] = useState<{ url: string; peaks: number[] } | null>(null);

  controls.current = {
    togglePlay: () => {
      const el = audio.current;
      if (!el) return;
      if (el.paused) void el.play().catch(() => undefined);
      else el.pause();
    },
    seek: (seconds: number) => {
      const el = audio.current;
      if (!el || !Number.isFinite(el.duration)) return;
      el.currentTime = Math.max(0, Math.min(el.duration, el.currentTime + seconds));
    },
  };

  useEffect(() => {
    const url = task.mediaUrl;
    if (!url || typeof AudioContext === "undefined") return;
    let live = true;
    mediaBlob(api, url)
      .then((blob) => blob.arrayBuffer())
      .then((buffer) => {
        const context = new AudioContext();
        return context.decodeAudioData(buffer).finally(() => void context.close());
      })
      .then((decoded) => {
        if (live) setWave({ url, peaks: peaks(decoded.getChannelData(0), WAVE_WIDTH / 2) });
      })
      .catch(() => {
        // Not decodable here: the progress bar alone still shows where playback is.
      });
    return () => {
      live = false;
    };
  }, [api, task.mediaUrl]);

  const ratio = time.duration > 0 ? time.current / time.duration : 0;

  useEffect(() => {
    const el = canvas.current;
    const context = el?.getContext("2d");
    if (!el || !context || !wave || wave.url !== task.mediaUrl) return;
    context.clearRect(0, 0, WAVE_WIDTH, WAVE_HEIGHT);
    const bar = WAVE_WIDTH / wave.peaks.length;
    const max = Math.max(...wave.peaks, 1e-6);
    wave.peaks.forEach((p, i) => {
      const h = Math.max(1, (p / max) * (WAVE_HEIGHT - 4));
      context.fillStyle = i / wave.peaks.length <= ratio ? "#1d4ed8" : "#94a3b8";
      context.fillRect(i * bar, (WAVE_HEIGHT - h) / 2, Math.max(1, bar - 1), h);
    });
  }, [wave, ratio, task.mediaUrl]);

  const seekTo = (e: MouseEvent) => {
    const el = audio.current;
    const target = e.currentTarget as HTMLElement;
    if (!el || !Number.isFinite(el.duration)) return;
    const box = target.getBoundingClientRect();
    el.currentTime = ((e.clientX - box.left) / box.width) * el.duration;
  };

  const update = () => {
    const el = audio.current;
    if (el) setTime({ current: el.currentTime, duration: el.duration || 0, playing: !el.paused });
  };

  return (
    <div class="item-audio" data-testid="item-audio">
      {error && <p class="error">The sound could not be loaded: {error}</p>}
      {!task.mediaUrl && <p class="error">This item has no sound file.</p>}
      {src && (
        // biome-ignore lint/a11y/useMediaCaption: an item to label is a bare recording; there is no caption track to give.
        <audio
          key={src}
          ref={audio}
          src={src}
          preload="auto"
          onTimeUpdate={update}
          onLoadedMetadata={update}
          onPlay={update}
          onPause={update}
          onEnded={update}
        />
      )}
      {wave && wave.url === task.mediaUrl && (
        <canvas ref={canvas} width={WAVE_WIDTH} height={WAVE_HEIGHT} class="waveform" onClick={seekTo} />
      )}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard seeks with the page's seek keys. */}
      <div class="progress-bar" onClick={seekTo} role="progressbar" aria-valuenow={Math.round(ratio * 100)}>
        <div style={{ width: `${ratio * 100}%` }} />
      </div>
      <div class="row">
        <button
          type="button"
          onClick={() => {
            const el = audio.current;
            if (el) void (el.paused ? el.play().catch(() => undefined) : el.pause());
          }}
        >
          {time.playing ? "Pause" : "Play"} <kbd>P</kbd>
        </button>
        <span class="muted">
          {clock(time.current)} / {clock(time.duration)}
        </span>
      </div>
    </div>
  );
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "0:00";
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
