// The data a report page carries for its item browser (embedded as JSON, rendered client-side with textContent).

/** One (status, category) pair of an item; the filters keep an item when one of its units matches both. */
export type Unit = [status: string, category: string];

export interface BrowserData<Item> {
  kind: "eval" | "dataset";
  pageSize: number;
  statusLabel: string;
  statusOptions: Array<[value: string, label: string]>;
  categoryOptions: Array<[value: string, label: string]>;
  items: Array<Item & { units: Unit[] }>;
  /** Items in the run (more than `items.length` when the report holds only the first ones). */
  total: number;
  /** Thumbnail key → `data:image/jpeg;base64,...`. */
  thumbs: Record<string, string>;
}

export const PAGE_SIZE = 50;
