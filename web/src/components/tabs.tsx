import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";

/**
 * WAI-ARIA tabs: arrow keys, Home and End move between tabs (automatic activation); only the
 * selected tab is in the tab order. The selected id is owned by the caller (e.g. the URL).
 */
export function Tabs(props: {
  label: string;
  tabs: Array<{ id: string; label: string }>;
  selected: string;
  onSelect: (id: string) => void;
  children: ComponentChildren;
}) {
  const list = useRef<HTMLDivElement>(null);
  const onKey = (e: KeyboardEvent) => {
    const i = props.tabs.findIndex((t) => t.id === props.selected);
    const n = props.tabs.length;
    const next =
      e.key === "ArrowRight"
        ? (i + 1) % n
        : e.key === "ArrowLeft"
          ? (i - 1 + n) % n
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? n - 1
              : -1;
    const tab = props.tabs[next];
    if (tab) {
      e.preventDefault();
      props.onSelect(tab.id);
      window.setTimeout(
        () => list.current?.querySelector<HTMLElement>(`#tab-${tab.id}`)?.focus(),
        0,
      );
    }
  };
  return (
    <div class="tabs">
      <div role="tablist" aria-label={props.label} ref={list} onKeyDown={onKey}>
        {props.tabs.map((t) => (
          <button
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            key={t.id}
            aria-selected={t.id === props.selected}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === props.selected ? 0 : -1}
            onClick={() => props.onSelect(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`panel-${props.selected}`}
        aria-labelledby={`tab-${props.selected}`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: WAI-ARIA tabs: the panel is focusable when its content is not.
        tabIndex={0}
      >
        {props.children}
      </div>
    </div>
  );
}
