import { createStore, useStore } from "../lib/store";

const message = createStore("");

/**
 * Reads `text` to screen-reader users (polite live region): live updates, completed actions.
 * Repeating the same text still announces it.
 */
export function announce(text: string): void {
  message.set("");
  window.setTimeout(() => message.set(text), 50);
}

/** The one polite live region of the page; mount once. */
export function Announcer() {
  const text = useStore(message);
  return (
    <div class="sr-only" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {text}
    </div>
  );
}
