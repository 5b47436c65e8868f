// The labeling order a queries file set (`activelabel import NAME FILE --as-queries`):
// its end, as `activelabel clear-queries NAME` does it.

import type { ApiClient } from "./client";
import { projectPath } from "./client";
import type { components } from "./schema";

type ClearedRaw = components["schemas"]["ImportedOrderClearedPublic"];

export interface ClearedOrder {
  /** Queue entries taken out: their items are back in the pool. */
  removed: number;
  /** Entries annotators hold, left with them. */
  held: number;
}

/** End the imported order (admins); its items return to the pool. */
export async function clearImportedOrder(api: ApiClient, project: string): Promise<ClearedOrder> {
  const raw = await api.request<ClearedRaw>("DELETE", `${projectPath(project)}/imported-order`);
  return { removed: raw.removed, held: raw.held };
}

/** What the page says after clearing. */
export function describeCleared(cleared: ClearedOrder): string {
  const held = cleared.held > 0 ? `; ${cleared.held} held by annotators stay with them` : "";
  return cleared.removed === 0 && cleared.held === 0
    ? "No imported order was being served."
    : `${cleared.removed} items of the imported order returned to the pool${held}.`;
}
