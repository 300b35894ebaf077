import { z } from 'zod';
import { type Tool, defineTool } from '../agents/tool.ts';

const input = z.object({
  question: z.string().trim().min(1).max(500).describe('The question, short and self-contained.'),
  options: z
    .array(z.string().trim().min(1).max(60))
    .max(6)
    .optional()
    .describe('Up to 6 short answer choices shown as buttons. The user may also reply in their own words.'),
});

/**
 * `ask_user`: asks the user a question (optionally with up to 6 option buttons) and waits for the answer.
 * The run is suspended and persisted; the answer (or the fallback after the timeout) becomes the tool result `{ answer }`.
 */
export function createAskUserTool(): Tool {
  return defineTool({
    name: 'ask_user',
    // Its only effect is a question to the requester, who reads it and answers (or doesn't).
    readOnly: true,
    description:
      'Ask the user a question and wait for their answer. Use only when you cannot proceed without a choice or detail from them. ' +
      'Offer short options when the choices are clear. The result is { answer }; "No reply in time" (or the configured fallback answer) means they did not reply in time.',
    input,
    execute(args, ctx) {
      const options = [...new Set(args.options ?? [])];
      ctx.suspend('question', { question: args.question, options });
    },
  });
}
