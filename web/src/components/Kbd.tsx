import { displayKey } from "../lib/keymap";

export function Kbd({ k }: { k: string | undefined }) {
  if (!k) return null;
  return <kbd>{displayKey(k)}</kbd>;
}
