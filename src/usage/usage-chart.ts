/** One bar: its label (a date) and value (tokens). */
export interface ChartBar {
  label: string;
  value: number;
}

export interface ChartOptions {
  title: string;
  /** Font files to use besides the system's (text is skipped when no font is found; the bars are still drawn). */
  fontFiles?: string[];
  /** Look for the system's fonts (default true; a machine without any still gets the bars). */
  systemFonts?: boolean;
}

const W = 720;
const H = 360;
const PAD = { left: 64, right: 16, top: 40, bottom: 40 };

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/** A round axis maximum at or above `max` (1, 2 or 5 times a power of ten). */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function compact(n: number): string {
  if (n >= 1_000_000) return `${Number((n / 1_000_000).toFixed(1))}M`;
  if (n >= 1_000) return `${Number((n / 1_000).toFixed(1))}k`;
  return String(Math.round(n));
}

/** The chart as SVG: one bar per day (the last one, today, darker), a top gridline with the axis maximum. */
export function usageChartSvg(bars: ChartBar[], title: string): string {
  const top = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, bars.length);
  const barW = Math.max(1, slot * 0.75);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="24" font-family="sans-serif" font-size="16" fill="#222">${escapeXml(title)}</text>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${W - PAD.right}" y2="${PAD.top}" stroke="#ddd"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - PAD.right}" y2="${PAD.top + plotH}" stroke="#888"/>`,
    `<text x="${PAD.left - 6}" y="${PAD.top + 4}" font-family="sans-serif" font-size="12" text-anchor="end" fill="#555">${compact(top)}</text>`,
    `<text x="${PAD.left - 6}" y="${PAD.top + plotH + 4}" font-family="sans-serif" font-size="12" text-anchor="end" fill="#555">0</text>`,
  ];
  bars.forEach((b, i) => {
    const h = b.value > 0 ? Math.max(1, (b.value / top) * plotH) : 0;
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const fill = i === bars.length - 1 ? '#1f5fa8' : '#4a90d9';
    if (h > 0)
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}"/>`,
      );
    // A date under every 5th bar, counted back from today so today is always labelled.
    if ((bars.length - 1 - i) % 5 === 0)
      parts.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${H - 18}" font-family="sans-serif" font-size="11" text-anchor="middle" fill="#555">${escapeXml(b.label)}</text>`,
      );
  });
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Renders the chart to PNG bytes with resvg (system fonts, plus `fontFiles`). The native renderer is loaded on the
 * first chart, not at start-up.
 */
export async function renderUsageChart(bars: ChartBar[], options: ChartOptions): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(usageChartSvg(bars, options.title), {
    font: {
      loadSystemFonts: options.systemFonts ?? true,
      ...(options.fontFiles ? { fontFiles: options.fontFiles } : {}),
    },
    background: '#ffffff',
    logLevel: 'off',
  });
  return new Uint8Array(resvg.render().asPng());
}
