import type { Clock, IdGen } from './core/clock.ts';
import type { Logger } from './core/logger.ts';
import type { Outbox } from './core/outbox.ts';
import type { RoutineRunner } from './core/routines.ts';
import type { TurnRunner } from './core/turn.ts';
import type { Tool } from './agents/tool.ts';
import type { Llm } from './llm/types.ts';
import { createSkillDrafts } from './skills/drafts.ts';
import { createSkillRoutines } from './skills/routine.ts';
import { type Skills, createSkills } from './skills/skills.ts';
import { createSkillTools } from './skills/tools.ts';
import type { Store } from './store/db.ts';
import type { FeatureModule } from './telegram/front-end.ts';
import { type SkillsFeatureDeps, createSkillsFeature, skillsCommands } from './telegram/features/skills.ts';

/**
 * Skills, wired: the service (stored per person and chat, descriptions embedded), the router's tools
 * (`skill_search`, `skill_run`, `skill_save`), the RoutineRunner a job or button runs a skill with (one turn through
 * `turnRunner`, so memory, approvals and budgets apply) and the `/skills` feature.
 */
export function createSkillsWiring(deps: {
  store: Store;
  llm: Llm;
  clock: Clock;
  ids: IdGen;
  log: Logger;
  turnRunner: TurnRunner;
  outbox: Outbox;
  users: { timezoneOf(userId: number): Promise<string> };
  /** Hands a run that stopped for an approval to the approvals service. */
  approvals?: SkillsFeatureDeps['approvals'];
}): { skills: Skills; routines: RoutineRunner; tools: Tool[]; feature: FeatureModule } {
  const { store, clock } = deps;
  const skills = createSkills({ ...deps, log: deps.log.child({ module: 'skills' }) });
  const drafts = createSkillDrafts({ store, clock });
  const routines = createSkillRoutines({ skills, turnRunner: deps.turnRunner });
  return {
    skills,
    routines,
    tools: createSkillTools(skills),
    feature: {
      composer: createSkillsFeature({
        skills,
        drafts,
        routines,
        outbox: deps.outbox,
        timezoneOf: (userId) => deps.users.timezoneOf(userId),
        ...(deps.approvals ? { approvals: deps.approvals } : {}),
      }),
      commands: skillsCommands,
    },
  };
}
