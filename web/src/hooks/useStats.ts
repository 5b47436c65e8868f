import { useEffect, useRef, useState } from "preact/hooks";
import type { ApiClient } from "../api/client";
import type { Stats } from "../api/models";

const POLL_MS = 3000;

/** Poll the project's stats; call `onNewModel` when the model version changes. */
export function useStats(api: ApiClient, project: string, onNewModel: (name: string) => void) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [tick, setTick] = useState(0);
  const lastModel = useRef<string | null | undefined>(undefined);
  const callback = useRef(onNewModel);
  callback.current = onNewModel;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new `tick` (refresh) polls again at once.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poll = async () => {
      try {
        const next = await api.stats(project);
        if (!live) return;
        const name = next.model?.name ?? null;
        if (lastModel.current !== undefined && name !== null && name !== lastModel.current) {
          callback.current(name);
        }
        lastModel.current = name;
        setStats(next);
      } catch {
        // The connection status shows lost connections; keep polling.
      }
      if (live) timer = setTimeout(poll, document.hidden ? POLL_MS * 5 : POLL_MS);
    };
    void poll();
    return () => {
      live = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [api, project, tick]);

  return { stats, refresh: () => setTick((t) => t + 1) };
}
