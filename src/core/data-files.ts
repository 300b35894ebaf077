/** Data files: tables and structured data the user sends to be computed on (the analyst's inputs). */
const DATA_EXTENSIONS = new Set(['csv', 'tsv', 'json', 'jsonl', 'xlsx', 'xls']);
const DATA_MIMES = new Set([
  'text/csv',
  'text/tab-separated-values',
  'application/json',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-excel',
]);

/** The lower-case extension of a file name ('' when it has none). */
export function extensionOf(name: string | undefined): string {
  const dot = name?.lastIndexOf('.') ?? -1;
  return name && dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Whether a file holds data to compute on (CSV, TSV, JSON, Excel), by its type or its name. */
export function isDataFile(file: { mimeType: string; name?: string }): boolean {
  return DATA_MIMES.has(file.mimeType.toLowerCase()) || DATA_EXTENSIONS.has(extensionOf(file.name));
}
