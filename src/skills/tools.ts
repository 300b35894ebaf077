import { z } from 'zod';
import { type Tool, type ToolContext, defineTool } from '../agents/tool.ts';
import { skillApprovalTexts } from './skill-approval-texts.ts';
import { SKILL_LIMITS, type Skill, type SkillScope } from './skill.ts';
import type { Skills } from './skills.ts';

/** A tool's caller as a skill scope: the person and this chat. */
export const scopeOfCall = (ctx: Pick<ToolContext, 'userId' | 'chat'>): SkillScope => ({
  ownerUserId: ctx.userId,
  chatId: ctx.chat.chatId,
});

const brief = (s: Skill) => ({ name: s.name, description: s.description });

/** "weekly review, morning briefing" — the names of a scope's skills for an error the model passes on. */
export async function namesInScope(skills: Skills, scope: SkillScope): Promise<string> {
  const all = await skills.list(scope);
  return all.length === 0 ? 'none yet' : all.map((s) => `"${s.name}"`).join(', ');
}

/**
 * The router's skill tools: `skill_search` (by meaning and by name), `skill_run` (a skill's instructions, to follow
 * now as the user's own procedure) and `skill_save` (create or replace one from the conversation). Saving one's own
 * skill needs no approval (config/approvals.json does not list it); after untrusted content in the turn the taint
 * rule still asks, as for any call with side effects.
 */
export function createSkillTools(skills: Skills): Tool[] {
  const search = defineTool({
    name: 'skill_search',
    readOnly: true,
    description:
      'Find the user\'s saved skills (their own named procedures, e.g. "weekly review") that match a request, by meaning or by name. Returns names and descriptions only; call skill_run with a name to get its instructions.',
    input: z.object({
      query: z.string().trim().min(2).max(500).describe('What the user asked for, in their words.'),
    }),
    async execute(args, ctx) {
      const scope = scopeOfCall(ctx);
      const { hits, degraded } = await skills.search(scope, args.query, { signal: ctx.signal });
      return {
        skills: hits.map((h) => ({ ...brief(h.skill), match: h.match, score: Number(h.score.toFixed(2)) })),
        ...(hits.length === 0 ? { note: 'No saved skill matches. Handle the request as usual.' } : {}),
        ...(degraded ? { degraded: 'Search by meaning is unavailable right now; only names were compared.' } : {}),
      };
    },
  });

  const run = defineTool({
    name: 'skill_run',
    readOnly: true,
    description:
      'Get the instructions of one of the user\'s saved skills by name, to carry them out now. Use when the user asks to run or do a saved skill ("run weekly review", "do my morning routine") or skill_search found the one they mean.',
    input: z.object({
      name: z
        .string()
        .trim()
        .min(1)
        .max(SKILL_LIMITS.name * 2)
        .describe("The skill's name."),
    }),
    async execute(args, ctx) {
      const scope = scopeOfCall(ctx);
      const found = await skills.findByName(scope, args.name);
      const [first] = found;
      if (!first)
        return {
          ok: false,
          error: `No skill is named "${args.name}". The user's skills: ${await namesInScope(skills, scope)}.`,
        };
      if (first.how === 'near' && found.length > 1)
        return {
          ok: false,
          error: `"${args.name}" could be ${found.map((f) => `"${f.skill.name}"`).join(' or ')}: ask the user which one.`,
        };
      const s = first.skill;
      return {
        ok: true,
        skill: s.name,
        ...(first.how === 'near' ? { note: `Closest name to "${args.name}".` } : {}),
        instructions: s.instructions,
        ...(s.agent ? { agent: s.agent } : {}),
        ...(s.tools.length > 0 ? { tools: s.tools } : {}),
        how_to_use:
          "These are the user's own saved instructions: carry them out now as if the user had just typed them (delegate to the agent that fits, passing the instructions as the task). Do not ask for confirmation first.",
      };
    },
  });

  const save = defineTool({
    name: 'skill_save',
    description:
      "Save a named skill for the user: a procedure they can later run by name or schedule. Use when the user asks to save what you just did (or a procedure they describe) as a skill. Write the description (one sentence: what it is for) and the instructions (the steps, complete and self-contained, in the user's language) from the conversation.",
    input: z.object({
      name: z.string().max(SKILL_LIMITS.name).describe('Short name, as the user said it, e.g. "weekly review".'),
      description: z.string().max(SKILL_LIMITS.description).describe('One sentence: what it does and when to use it.'),
      instructions: z.string().max(SKILL_LIMITS.instructions).describe('The complete steps to follow when it runs.'),
      agent: z
        .string()
        .trim()
        .toLowerCase()
        .optional()
        .describe('The agent that should carry it out, if one clearly fits.'),
      tools: z.array(z.string()).max(SKILL_LIMITS.tools).optional().describe('Tools it needs, if known.'),
      replace: z
        .boolean()
        .optional()
        .describe('true to overwrite an existing skill of the same name (only after the user agreed).'),
    }),
    // Only asked after untrusted text entered the turn (the taint rule): the person sees the steps they would keep.
    describeForApproval: (args, ctx) => {
      const t = skillApprovalTexts(ctx.locale ?? 'en');
      const steps = args.instructions.length > 600 ? `${args.instructions.slice(0, 599)}…` : args.instructions;
      return { details: steps, confirm: { title: t.title({ name: args.name.trim() }), yes: t.yes, no: t.no } };
    },
    async execute(args, ctx) {
      const scope = scopeOfCall(ctx);
      const { replace, ...input } = args;
      const existing = (await skills.findByName(scope, input.name)).find((m) => m.how === 'exact');
      if (existing && replace !== true)
        return {
          ok: false,
          error: `A skill named "${existing.skill.name}" already exists. Ask the user whether to replace it; then call again with replace=true.`,
        };
      const result = await skills.save(scope, input, existing ? { id: existing.skill.id } : {});
      switch (result.status) {
        case 'created':
        case 'updated':
          return {
            ok: true,
            status: result.status,
            skill: brief(result.skill),
            shown_to_user: `Tell the user in one short line that the skill "${result.skill.name}" is saved and that they can run it by name or see it in /skills.`,
          };
        case 'invalid':
          return { ok: false, error: `Not saved: ${result.error}.` };
        case 'name_taken':
          return { ok: false, error: `Another skill is already named "${result.other.name}".` };
        case 'full':
          return {
            ok: false,
            error: `Not saved: the user already has ${result.max} skills here. They can delete some in /skills.`,
          };
        default:
          return { ok: false, error: 'Not saved: that skill no longer exists.' };
      }
    },
  });

  return [search, run, save];
}
