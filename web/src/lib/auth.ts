// The bearer token: taken once from "?token=..." in the address, then kept in
// localStorage so a reload or a bookmark without the token still works.

import type { Me } from "../api/models";

export const TOKEN_KEY = "activelabel.token";

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The address without its `token` query parameter, or null when it had none. */
export function stripToken(href: string): { token: string; href: string } | null {
  const url = new URL(href);
  const token = url.searchParams.get("token");
  if (token === null) return null;
  url.searchParams.delete("token");
  return { token, href: url.toString() };
}

/** Whether the page shows export, "Retrain now" and key settings (admins only). */
export function mayManage(me: Me): boolean {
  return me.role === "admin";
}

/** Whether the page offers the review page and the browse view (reviewers and admins). */
export function mayReview(me: Me): boolean {
  return me.role === "reviewer" || me.role === "admin";
}

export function readToken(storage: StorageLike): string | null {
  const token = storage.getItem(TOKEN_KEY);
  return token ? token : null;
}

export function saveToken(storage: StorageLike, token: string | null): void {
  if (token) storage.setItem(TOKEN_KEY, token);
  else storage.removeItem(TOKEN_KEY);
}

/** Move a token from the address into storage and rewrite the address without it. */
export function adoptTokenFromLocation(storage: StorageLike): void {
  const found = stripToken(window.location.href);
  if (!found) return;
  saveToken(storage, found.token);
  window.history.replaceState(window.history.state, "", found.href);
}
