/** The kinds of document the knowledge base reads. */
export type DocumentFormat = 'pdf' | 'docx' | 'html' | 'markdown' | 'code' | 'text';

const CODE_EXTENSIONS = new Set(
  'ts tsx js jsx mjs cjs py rb go rs java kt kts swift c h cc cpp hpp cs php sh bash zsh ps1 sql r scala lua pl hs ex exs erl clj dart vue svelte css scss less json jsonc yaml yml toml ini cfg conf xml gradle make cmake dockerfile tf proto graphql'.split(
    ' ',
  ),
);
const TEXT_EXTENSIONS = new Set(['txt', 'text', 'log', 'csv', 'tsv', 'rst', 'org', 'tex', 'srt', 'vtt']);

function extensionOf(fileName: string | undefined): string {
  if (!fileName) return '';
  const base = fileName.toLowerCase().split(/[\\/]/).pop() ?? '';
  if (base === 'dockerfile' || base === 'makefile') return base === 'makefile' ? 'make' : 'dockerfile';
  const dot = base.lastIndexOf('.');
  return dot >= 0 ? base.slice(dot + 1) : '';
}

/**
 * The format of a file from its MIME type and name (Telegram often sends `application/octet-stream` or
 * `text/plain` for code and Markdown, so the extension decides first where it is known). Undefined: unsupported.
 */
export function detectFormat(mimeType: string, fileName?: string): DocumentFormat | undefined {
  const ext = extensionOf(fileName);
  const mime = mimeType.toLowerCase().split(';')[0]?.trim() ?? '';
  if (ext === 'pdf' || mime === 'application/pdf') return 'pdf';
  if (ext === 'docx' || mime === 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')
    return 'docx';
  if (ext === 'html' || ext === 'htm' || ext === 'xhtml' || mime === 'text/html' || mime === 'application/xhtml+xml')
    return 'html';
  if (ext === 'md' || ext === 'markdown' || ext === 'mdx' || mime === 'text/markdown') return 'markdown';
  if (CODE_EXTENSIONS.has(ext)) return 'code';
  if (TEXT_EXTENSIONS.has(ext)) return 'text';
  if (mime.startsWith('text/') || mime === 'application/json' || mime === 'application/xml') return 'text';
  return undefined;
}
