/**
 * Writes small valid PDF files in memory, so tests and the bench need no binary fixtures: text pages set in
 * Helvetica (a standard font, nothing embedded), and pages holding only an image (a "scan" without a text layer).
 * The file has a correct cross-reference table; PDF readers (pdf.js) parse it without repair.
 */

/** One page: lines of text (top to bottom), or `image: true` for a page with a picture and no text. */
export type PdfPage = { lines: string[]; title?: string } | { image: true };

/** Escapes a string for a PDF literal string and keeps it to Latin-1 (Helvetica's WinAnsi encoding). */
function pdfString(text: string): string {
  const latin = text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
  return `(${latin.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

function textStream(page: { lines: string[]; title?: string }): string {
  const out: string[] = ['BT'];
  let y = 800;
  if (page.title !== undefined) {
    out.push(`/F1 18 Tf 1 0 0 1 56 ${y} Tm ${pdfString(page.title)} Tj`);
    y -= 30;
  }
  for (const line of page.lines) {
    out.push(`/F1 10 Tf 1 0 0 1 56 ${y} Tm ${pdfString(line)} Tj`);
    y -= 13;
    if (y < 40) break;
  }
  out.push('ET');
  return out.join('\n');
}

/** A PDF of the given pages (A4), with an optional document title in its Info dictionary. */
export function writePdf(pages: PdfPage[], options: { title?: string } = {}): Uint8Array {
  const objects: string[] = [];
  const add = (body: string): number => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add('');
  const pagesObj = add('');
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const image = add(
    '<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 4 >>\nstream\n\x00\xff\xff\x00\nendstream',
  );
  const kids: number[] = [];
  for (const page of pages) {
    const content = 'image' in page ? 'q 400 0 0 500 100 200 cm /Im1 Do Q' : textStream(page);
    const stream = add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 595 842] /Contents ${stream} 0 R ` +
          `/Resources << /Font << /F1 ${font} 0 R >> /XObject << /Im1 ${image} 0 R >> >> >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const info = options.title !== undefined ? add(`<< /Title ${pdfString(options.title)} >>`) : undefined;

  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) body += `${String(o).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R${info ? ` /Info ${info} 0 R` : ''} >>\n`;
  body += `startxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(body, 'latin1'));
}

/** A text PDF of `pages` pages, each with `linesPerPage` lines made by `line(page, i)` (1-based page). */
export function writeTextPdf(
  pages: number,
  line: (page: number, i: number) => string,
  options: { linesPerPage?: number; title?: string } = {},
): Uint8Array {
  const n = options.linesPerPage ?? 40;
  return writePdf(
    Array.from({ length: pages }, (_, p) => ({ lines: Array.from({ length: n }, (_, i) => line(p + 1, i)) })),
    options.title !== undefined ? { title: options.title } : {},
  );
}
