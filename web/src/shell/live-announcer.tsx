import { useEffect } from "preact/hooks";
import { announce } from "../components/announcer";
import { humanize } from "../lib/format";
import type { LiveChannel, LiveMessage } from "../lib/live";

/** Live changes worth telling screen-reader users about, wherever they are in the project. */
const ANNOUNCED =
  /^(rollout\.(started|paused|resumed|completed|failed|cancelled|rolled_back|awaiting_promotion|step_started)|bundle\.(compiled|failed|revoked)|node\.(offline|online|registered|revoked))$/;

/** "rollout.step_started" → "Rollout step started". */
export function describeChange(m: LiveMessage): string {
  const [kind = "", what = ""] = m.type.split(".", 2);
  const text = `${kind} ${humanize(what)}`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Announces notable live changes through the page's polite live region, so an update that
 * re-renders part of the page does not go unnoticed by screen-reader users.
 */
export function LiveAnnouncer({ channel }: { channel: LiveChannel }) {
  useEffect(
    () =>
      channel.subscribe((m) => {
        if (ANNOUNCED.test(m.type)) {
          announce(describeChange(m));
        }
      }),
    [channel],
  );
  return null;
}
