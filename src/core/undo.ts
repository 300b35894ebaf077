/**
 * Delete with Undo, the storage side: an item deleted by a person is hidden and stopped at once, keeps its row with
 * `deleted_at` and a random undo token for `UNDO_WINDOW_MS`, and is purged after that. The token (never a list
 * position) goes into the Undo button (src/telegram/undo.ts); a press within the window restores the exact item.
 */

import { undoTexts } from './undo-texts.ts';

/** How long a deleted item can be brought back. */
export const UNDO_WINDOW_MS = 5 * 60_000;

/** What the user reads when the window has passed (or the item was purged); other languages: `undoTexts`. */
export const TOO_LATE_TO_UNDO = undoTexts('en').tooLate;

/** True while an item deleted at `deletedAt` can still be restored. */
export function canUndo(deletedAt: number, now: number, windowMs = UNDO_WINDOW_MS): boolean {
  return now - deletedAt <= windowMs;
}
