import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/core/errors.ts';
import { xlsxToCsv } from '../../src/knowledge/xlsx-csv.ts';
import { writeDocx } from '../support/docx-writer.ts';
import { writeXlsx } from '../support/xlsx-writer.ts';

describe('Excel workbook to CSV (what code execution reads)', () => {
  it('turns each sheet into CSV: shared strings, numbers, booleans, empty cells, quoting', () => {
    const book = writeXlsx([
      {
        name: 'Sales',
        rows: [
          ['month', 'sales', 'note'],
          ['Jan', 10, 'ok'],
          ['Feb', 12.5, null],
          ['Mar', null, 'said "great", twice'],
          ['Apr', 15, true],
        ],
      },
      { name: 'Empty', rows: [] },
      {
        name: 'Costs',
        rows: [
          ['item', 'eur'],
          ['rent', 900],
        ],
      },
    ]);
    assert.deepEqual(xlsxToCsv(book, 1_000_000), [
      {
        sheet: 'Sales',
        csv: 'month,sales,note\r\nJan,10,ok\r\nFeb,12.5\r\nMar,,"said ""great"", twice"\r\nApr,15,TRUE\r\n',
      },
      { sheet: 'Costs', csv: 'item,eur\r\nrent,900\r\n' },
    ]);
  });

  it('refuses what is not a workbook, and a workbook larger than the cap, with invalid_input', () => {
    const notZip = new Uint8Array(Buffer.from('month,sales\nJan,10\n'));
    const docx = writeDocx([{ text: 'hello' }]);
    const big = writeXlsx([{ name: 'S', rows: Array.from({ length: 200 }, (_, i) => [`row ${i}`, i]) }]);
    for (const [bytes, cap] of [
      [notZip, 1_000_000],
      [docx, 1_000_000],
      [big, 500],
    ] as const)
      assert.throws(
        () => xlsxToCsv(bytes, cap),
        (err: unknown) => err instanceof AppError && err.code === 'invalid_input',
      );
  });
});
