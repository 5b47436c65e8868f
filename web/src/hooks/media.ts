// Media files fetched with the token and kept as object URLs, so <img> and
// <audio> work on servers that need a token and the next items load ahead.

import { useEffect, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";

interface Cached {
  blob: Promise<Blob>;
  url: Promise<string>;
}

const MAX_CACHED = 24;
const cache = new Map<string, Cached>();

function load(api: ApiClient, url: string): Cached {
  const hit = cache.get(url);
  if (hit) {
    cache.delete(url);
    cache.set(url, hit);
    return hit;
  }
  const blob = api.blob(url);
  const entry: Cached = { blob, url: blob.then((b) => URL.createObjectURL(b)) };
  entry.blob.catch(() => cache.delete(url));
  cache.set(url, entry);
  while (cache.size > MAX_CACHED) {
    const [oldest, old] = cache.entries().next().value as [string, Cached];
    cache.delete(oldest);
    // Give anything still showing it a moment before the URL goes away.
    old.url.then((u) => setTimeout(() => URL.revokeObjectURL(u), 60_000)).catch(() => undefined);
  }
  return entry;
}

export function prefetchMedia(api: ApiClient, url: string | null): void {
  if (url) load(api, url).url.catch(() => undefined);
}

export function mediaBlob(api: ApiClient, url: string): Promise<Blob> {
  return load(api, url).blob;
}

/** The object URL of a media file, or an error message. */
export function useMedia(api: ApiClient, url: string | null): { src: string | null; error: string | null } {
  const [state, setState] = useState<{ for: string | null; src: string | null; error: string | null }>({
    for: null,
    src: null,
    error: null,
  });
  useEffect(() => {
    if (!url) return;
    let live = true;
    load(api, url)
      .url.then((src) => live && setState({ for: url, src, error: null }))
      .catch((e: unknown) => live && setState({ for: url, src: null, error: e instanceof Error ? e.message : String(e) }));
    return () => {
      live = false;
    };
  }, [api, url]);
  return state.for === url ? { src: state.src, error: state.error } : { src: null, error: null };
}
