import type { Clock, IdGen } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { Outbox } from './core/outbox.ts';
import type { TurnRunner } from './core/turn.ts';
import type { Llm } from './llm/types.ts';
import { createSkillDrafts } from './skills/drafts.ts';
import { createSkillRoutines } from './skills/routine.ts';
import { createSkills } from './skills/skills.ts';
import { createSkillTools } from './skills/tools.ts';
import type { Store } from './store/db.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import { type SkillsFeatureDeps, createSkillsFeature, skillsCommands } from './telegram/features/skills.ts';

/**
 * Skills, wired: the service (stored per person and chat, descriptions embedded), the router's tools
 * (`skill_search`, `skill_run`, `skill_save`), the RoutineRunner a job or button runs a skill with (one turn through
 * `turnRunner`, so memory, approvals and budgets apply), and `/skills` once the outbox and users exist.
 */
export function createSkillsWiring(deps: {
  store: Store;
  llm: Llm;
  clock: Clock;
  ids: IdGen;
  log: Logger;
  turnRunner: TurnRunner;
}) {
  const { store, clock } = deps;
  const skills = createSkills({ ...deps, log: deps.log.child({ module: 'skills' }) });
  const drafts = createSkillDrafts({ store, clock });
  const routines = createSkillRoutines({ skills, turnRunner: deps.turnRunner });
  return {
    skills,
    routines,
    tools: createSkillTools(skills),
    /** The /skills feature. */
    feature(more: {
      outbox: Outbox;
      users: { timezoneOf(userId: number): Promise<string> };
      approvals?: SkillsFeatureDeps['approvals'];
    }): FeatureModule {
      const composer = createSkillsFeature({
        skills,
        drafts,
        routines,
        outbox: more.outbox,
        timezoneOf: (userId) => more.users.timezoneOf(userId),
        ...(more.approvals ? { approvals: more.approvals } : {}),
      });
      return { composer, commands: skillsCommands };
    },
  };
}
