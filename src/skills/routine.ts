import type { RoutineRef, RoutineResolution, RoutineResult, RoutineRunner, RoutineTarget } from '../core/routines.ts';
import type { TurnRequest, TurnRunner } from '../core/turn.ts';
import type { Skill } from './skill.ts';
import type { Skills } from './skills.ts';
import { namesInScope } from './tools.ts';

/** The text of a turn that runs a skill: the user's saved procedure, framed as their own request. */
export function skillRunText(skill: Pick<Skill, 'name' | 'instructions'>): string {
  return `Run your saved skill "${skill.name}":\n${skill.instructions}`;
}

/** The label of a skill on a job card and in /jobs. */
export const skillLabel = (skill: Pick<Skill, 'name'>) => `${skill.name} (skill)`;

/**
 * Skills as routines, for scheduled jobs and buttons: `resolve` finds a skill by name in the person's chat (exact,
 * or the one near match); `run` is one turn whose text is the skill's instructions, through the normal turn runner
 * (memory, approvals and budgets apply). A skill deleted since is a failed run that says so.
 */
export function createSkillRoutines(deps: { skills: Skills; turnRunner: TurnRunner }): RoutineRunner {
  const { skills } = deps;
  return {
    async resolve(ref: RoutineRef): Promise<RoutineResolution> {
      if (ref.skill === undefined) return { ok: false, reason: 'No skill was named.' };
      const scope = { ownerUserId: ref.userId, chatId: ref.chatId };
      const found = await skills.findByName(scope, ref.skill);
      const [first] = found;
      if (!first || (first.how === 'near' && found.length > 1)) {
        const names = await namesInScope(skills, scope);
        const why = first ? `"${ref.skill}" matches more than one skill` : `There is no skill named "${ref.skill}"`;
        return { ok: false, reason: `${why} in this chat. Skills here: ${names}.` };
      }
      return { ok: true, target: { type: 'skill', skillId: first.skill.id }, label: skillLabel(first.skill) };
    },

    async run(target: RoutineTarget, request: TurnRequest): Promise<RoutineResult> {
      if (target.type !== 'skill') throw new Error(`skills cannot run a ${target.type} routine`);
      const skill = await skills.byId(target.skillId);
      if (!skill || skill.ownerUserId !== request.userId || skill.chatId !== request.chat.chatId) {
        const text = 'This scheduled skill was deleted. Save it again (or delete this job in /jobs).';
        return {
          posted: false,
          outcome: { status: 'failed', text, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } },
        };
      }
      const outcome = await deps.turnRunner.run({ ...request, text: skillRunText(skill) });
      return { posted: false, outcome };
    },
  };
}
