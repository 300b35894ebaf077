import { callbackCodec, colonSchema } from '../core/keys/codec.ts';
import type { Period } from './budget-rules.ts';

/** The owner's "Raise to …" button: `use:r:<userId>:<d|m>:<new limit in micro-USD>` (pressing twice is harmless). */
export interface RaisePress {
  userId: number;
  period: Period;
  micros: number;
}

export const raiseData = callbackCodec<RaisePress>({
  name: 'budget raise button',
  prefix: 'use:r:',
  schema: colonSchema(/^use:r:\d{1,15}:[dm]:\d{1,15}$/, (p) => ({
    userId: Number(p[2]),
    period: p[3] === 'd' ? ('day' as const) : ('month' as const),
    micros: Number(p[4]),
  })),
  format: (v) => `use:r:${v.userId}:${v.period === 'day' ? 'd' : 'm'}:${v.micros}`,
});

export const toMicros = (usd: number): number => Math.round(usd * 1_000_000);
export const fromMicros = (micros: number): number => micros / 1_000_000;
