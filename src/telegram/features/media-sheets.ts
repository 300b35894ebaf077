import type { Attachment } from '../../core/turn.ts';
import { xlsxToCsv } from '../../knowledge/xlsx-csv.ts';

/** The type of an Excel workbook (.xlsx). */
export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Whether a sent document is an .xlsx workbook (by type or name). */
export function isXlsx(name: string | undefined, mime: string | undefined): boolean {
  return (mime ?? '').toLowerCase() === XLSX_MIME || /\.xlsx$/i.test(name ?? '');
}

/**
 * A workbook as CSV attachments, one per non-empty sheet (`book.csv`, or `book - Sheet.csv` with several): Gemini's
 * code execution reads CSV, not .xlsx. Throws AppError('invalid_input') for a file that is not a readable workbook.
 */
export function sheetAttachments(data: Uint8Array, name: string | undefined, maxBytes: number): Attachment[] {
  const sheets = xlsxToCsv(data, maxBytes);
  const base = (name ?? 'workbook.xlsx').replace(/\.xlsx$/i, '');
  return sheets.map((s) => ({
    mimeType: 'text/csv',
    data: Buffer.from(s.csv, 'utf8').toString('base64'),
    name: sheets.length === 1 ? `${base}.csv` : `${base} - ${s.sheet.replace(/[\\/:*?"<>|]/g, '_')}.csv`,
  }));
}
