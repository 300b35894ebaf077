/** Makes `Date` read `epochMs` at the real moment `anchorMs`, running at real speed (see clock-shift.mjs). */
export function shiftClock(epochMs: number, anchorMs: number): void;
