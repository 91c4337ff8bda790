/** One choice of a filter: the query value and what the operator sees. */
export interface FilterOption {
  value: string;
  label: string;
}

/**
 * A labelled `<select>` for list filters. The first option is always "any" (empty value), so
 * clearing a filter is one choice away; `extra` options (e.g. "No bundle") come right after it.
 */
export function FilterSelect(props: {
  id: string;
  label: string;
  value: string;
  options: readonly FilterOption[];
  onChange: (value: string) => void;
  anyLabel?: string;
  extra?: readonly FilterOption[];
  inline?: boolean;
}) {
  return (
    <div class={props.inline ? "field inline" : "field"}>
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <option value="">{props.anyLabel ?? "Any"}</option>
        {[...(props.extra ?? []), ...props.options].map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
