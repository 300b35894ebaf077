import { createRequire } from 'node:module';
import type * as LinkedomModule from 'linkedom';
import { AppError } from '../core/errors.ts';
import { readZip } from './zip.ts';

/** One worksheet as CSV (RFC 4180: comma-separated, quoted where needed, CRLF rows). */
export interface SheetCsv {
  sheet: string;
  csv: string;
}

// linkedom loads on the first spreadsheet, not at start-up (as for web pages in src/agents/tools/html-text.ts).
const requireHere = createRequire(import.meta.url);
let parser: InstanceType<typeof LinkedomModule.DOMParser> | undefined;

/** The minimal DOM surface read here (linkedom's XML nodes). */
interface XmlNode {
  tagName?: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<XmlNode>;
}

function parseXml(xml: string): XmlNode {
  parser ??= new (requireHere('linkedom') as typeof LinkedomModule).DOMParser();
  const doc = parser.parseFromString(xml, 'text/xml') as unknown as XmlNode;
  return doc;
}

/** Elements of a document by local name (prefixes such as `x:` ignored). */
function elements(root: XmlNode, name: string): XmlNode[] {
  return [...root.querySelectorAll('*')].filter((e) => (e.tagName?.split(':').pop() ?? '') === name);
}

function childText(el: XmlNode, name: string): string {
  return elements(el, name)
    .map((t) => t.textContent ?? '')
    .join('');
}

/** The column index of a cell reference (`C7` → 2). */
function columnOf(ref: string | null): number | undefined {
  const letters = /^([A-Z]+)\d+$/.exec(ref ?? '')?.[1];
  if (!letters) return undefined;
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A cell's shown value: shared and inline strings resolved, booleans as TRUE/FALSE, numbers as stored. */
function cellValue(c: XmlNode, shared: string[]): string {
  const type = c.getAttribute('t');
  if (type === 'inlineStr') return childText(c, 't');
  const v = elements(c, 'v')[0]?.textContent ?? '';
  if (type === 's') return shared[Number(v)] ?? '';
  if (type === 'b') return v === '1' ? 'TRUE' : 'FALSE';
  return v;
}

/**
 * An Excel workbook (.xlsx) as one CSV per worksheet, in workbook order: what Gemini's code execution can read (it
 * takes CSV, not .xlsx). Values are as stored: formulas give their last computed value, dates stay Excel serial day
 * numbers. `maxBytes` caps both the unpacked archive and the CSV text. Throws AppError('invalid_input') for a file
 * that is not a readable workbook.
 */
export function xlsxToCsv(data: Uint8Array, maxBytes: number): SheetCsv[] {
  const files = readZip(data, {
    maxBytes: maxBytes * 4,
    only: (n) => (n.startsWith('xl/') && n.endsWith('.xml')) || n.endsWith('.rels'),
  });
  const text = (name: string) => files.get(name)?.toString('utf8');
  const workbook = text('xl/workbook.xml');
  if (!workbook) throw new AppError('invalid_input', 'Not an Excel workbook (no xl/workbook.xml)');
  const shared = elements(parseXml(text('xl/sharedStrings.xml') ?? '<sst/>'), 'si').map((si) => childText(si, 't'));
  const targets = new Map<string, string>();
  for (const rel of elements(parseXml(text('xl/_rels/workbook.xml.rels') ?? '<Relationships/>'), 'Relationship')) {
    const target = (rel.getAttribute('Target') ?? '').replace(/^\/?xl\//, '').replace(/^\//, '');
    targets.set(rel.getAttribute('Id') ?? '', `xl/${target}`);
  }
  const sheets: SheetCsv[] = [];
  let size = 0;
  elements(parseXml(workbook), 'sheet').forEach((sheet, i) => {
    const relId = sheet.getAttribute('r:id') ?? '';
    const xml = text(targets.get(relId) ?? `xl/worksheets/sheet${i + 1}.xml`);
    if (!xml) return;
    const rows: string[] = [];
    for (const row of elements(parseXml(xml), 'row')) {
      const cells: string[] = [];
      for (const c of elements(row, 'c')) {
        const col = columnOf(c.getAttribute('r')) ?? cells.length;
        while (cells.length < col) cells.push('');
        cells[col] = csvField(cellValue(c, shared));
      }
      rows.push(cells.join(','));
    }
    while (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
    const csv = rows.length > 0 ? `${rows.join('\r\n')}\r\n` : '';
    size += Buffer.byteLength(csv);
    if (size > maxBytes) throw new AppError('invalid_input', 'The workbook is larger than we read as CSV');
    if (csv) sheets.push({ sheet: sheet.getAttribute('name') ?? `Sheet${i + 1}`, csv });
  });
  return sheets;
}
