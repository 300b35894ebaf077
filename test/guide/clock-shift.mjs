/**
 * Shifts this process's wall clock (`Date`) so that the real moment GUIDE_CLOCK_ANCHOR_MS reads as GUIDE_CLOCK_EPOCH_MS;
 * time still runs at its real speed. The chat guide's bots are started with this preloaded (NODE_OPTIONS=--import), so
 * the times they print ("set for 09:01", "it's Thu 09:00 there") are the same on every run. Timers are untouched.
 * Plain JavaScript: it is loaded before tsx.
 */

/**
 * @param {number} epochMs what the clock reads at the anchor
 * @param {number} anchorMs the real time (Date.now) of the anchor
 */
export function shiftClock(epochMs, anchorMs) {
  const RealDate = globalThis.Date;
  const offset = epochMs - anchorMs;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...args);
    }
    static now() {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate;
}

const epoch = Number(process.env.GUIDE_CLOCK_EPOCH_MS);
const anchor = Number(process.env.GUIDE_CLOCK_ANCHOR_MS);
if (Number.isFinite(epoch) && Number.isFinite(anchor) && epoch > 0 && anchor > 0) shiftClock(epoch, anchor);
