import type { Logger } from '../core/logger.ts';
import { guardsTexts } from './guards-texts.ts';
import { PASS, type Processor } from './processor.ts';

const NAME = 'max-tool-calls';

/**
 * Stops a turn that makes more than `max` tool calls in all (every agent and step of the turn; a resumed turn counts
 * afresh). The call over the limit does not run.
 */
export function createMaxToolCalls(max: number, log: Logger): Processor {
  return {
    name: NAME,
    begin(turn) {
      let calls = 0;
      return {
        toolCall(call) {
          calls++;
          if (calls <= max) return PASS;
          log.warn({ turnId: turn.turnId, tool: call.tool, max }, 'too many tool calls in one turn; stopping');
          return {
            action: 'halt',
            reason: guardsTexts(turn.locale).tooManyToolCalls({ max }),
            note: { processor: NAME, hook: 'toolCall', action: 'halt' },
          };
        },
      };
    },
  };
}
