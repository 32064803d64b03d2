// A counted table of rows with their actions, as the desk's listings show them: the count in a live region,
// a line when there is nothing (if the screen has one), else a scrolling table with a caption for assistive
// technology and a header per column; each screen draws its own rows and row actions.
import type { ComponentChildren, JSX } from "preact";

export function CountedTable<T>({
  count,
  empty,
  caption,
  columns,
  items,
  row,
  tableClass,
}: {
  /** What the live region says: how many rows the listing has in all. */
  count: string;
  /** The line shown instead of an empty table; without it an empty table shows its header. */
  empty?: string;
  caption: string;
  columns: ComponentChildren[];
  items: T[];
  /** One row (its ``<tr>``, keyed). */
  row: (item: T) => JSX.Element;
  tableClass: string;
}) {
  return (
    <>
      <p role="status">{count}</p>
      {empty !== undefined && items.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <div class="table-wrap">
          <table class={tableClass}>
            <caption class="visually-hidden">{caption}</caption>
            <thead>
              <tr>
                {columns.map((column, i) => (
                  <th scope="col" key={i}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{items.map(row)}</tbody>
          </table>
        </div>
      )}
    </>
  );
}
