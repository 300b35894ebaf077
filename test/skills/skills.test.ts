/**
 * The skills service (src/skills) against a real libSQL file and the word-embedding stand-in: saving with checked,
 * case-insensitive unique names per person and chat; search by meaning above the threshold plus exact and near
 * names; the routine that resolves a skill by name and runs it as a turn; createRoutines' dispatch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tool, ToolContext } from '../../src/agents/tool.ts';
import { createRoutines } from '../../src/app-routines.ts';
import { createIdGen } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { RoutineRunner } from '../../src/core/routines.ts';
import type { TurnOutcome, TurnRequest, TurnRunner } from '../../src/core/turn.ts';
import { createSkillRoutines, skillRunText } from '../../src/skills/routine.ts';
import { type Skills, createSkills } from '../../src/skills/skills.ts';
import { createSkillTools } from '../../src/skills/tools.ts';
import { type Store, createStore } from '../../src/store/db.ts';
import { migrations } from '../../src/store/migrations/index.ts';
import { createManualClock } from '../support/manual-clock.ts';
import { type TempDb, tempDbUrl } from '../support/temp-db.ts';
import { type EmbeddingLlm, createEmbeddingLlm } from '../support/word-embedding.ts';

const ALICE = { ownerUserId: 501, chatId: 501 };
const ALICE_IN_GROUP = { ownerUserId: 501, chatId: -100_500 };
const BOB = { ownerUserId: 502, chatId: 502 };
const WEEKLY = {
  name: 'Weekly Review',
  description: "Review the past week: wins, open tasks and next week's priorities.",
  instructions: "List this week's wins, the open tasks and three priorities for next week.",
};
const MORNING = {
  name: 'morning briefing',
  description: 'Weather and calendar for today.',
  instructions: 'Tell me the weather, then my meetings today.',
};

let db: TempDb;
let store: Store;
let llm: EmbeddingLlm;
const clock = createManualClock();
const log = createLogger({ level: 'silent' });
const make = (minScore?: number): Skills =>
  createSkills({
    store,
    llm,
    clock,
    ids: createIdGen(),
    log,
    ...(minScore !== undefined ? { options: { minScore } } : {}),
  });

before(async () => {
  db = tempDbUrl('skills');
  store = await createStore({ url: db.url, migrations });
  llm = createEmbeddingLlm();
});
after(async () => {
  await store.close();
  await db.cleanup();
});

describe('saving skills', () => {
  it('stores a skill per person and chat; names are unique there, case-insensitively', async () => {
    const skills = make();
    const created = await skills.save(ALICE, WEEKLY);
    assert.equal(created.status, 'created');
    const again = await skills.save(ALICE, { ...WEEKLY, name: '  weekly   REVIEW ' });
    assert.equal(again.status, 'name_taken', 'the same name, other case and spacing, is taken');
    // Another chat of the same person, and another person, have their own names.
    assert.equal((await skills.save(ALICE_IN_GROUP, WEEKLY)).status, 'created');
    assert.equal((await skills.save(BOB, WEEKLY)).status, 'created');
    assert.deepEqual(
      (await skills.list(ALICE)).map((s) => s.name),
      ['Weekly Review'],
    );
    assert.equal((await skills.list(BOB)).length, 1);
  });

  it('updates by id (keeping created_at), refuses a rename onto another skill, and re-embeds the description', async () => {
    const skills = make();
    const morning = await skills.save(ALICE, MORNING);
    assert.equal(morning.status, 'created');
    if (morning.status !== 'created') return;
    clock.advance(1000);
    const changed = await skills.save(ALICE, { ...MORNING, instructions: 'Weather only.' }, { id: morning.skill.id });
    assert.equal(changed.status, 'updated');
    if (changed.status !== 'updated') return;
    assert.equal(changed.skill.createdAt, morning.skill.createdAt);
    assert.ok(changed.skill.updatedAt > morning.skill.updatedAt);
    assert.equal((await skills.get(ALICE, morning.skill.id))?.instructions, 'Weather only.');
    const [row] = await store.query('SELECT embedding FROM skills WHERE id = ?', [morning.skill.id]);
    assert.ok(row?.embedding != null, 'embedded again after the change');
    const renamed = await skills.save(ALICE, { ...MORNING, name: 'weekly review' }, { id: morning.skill.id });
    assert.equal(renamed.status, 'name_taken');
    const foreign = await skills.save(BOB, MORNING, { id: morning.skill.id });
    assert.equal(foreign.status, 'not_found', "Bob cannot overwrite Alice's skill by its id");
  });

  it('bad input gets a clear error and stores nothing', async () => {
    const skills = make();
    const before = (await skills.list(ALICE)).length;
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...MORNING, name: 'x' }, /the name needs at least 2 characters/],
      [{ ...MORNING, name: 'rm -rf /' }, /use letters, digits, spaces/],
      [{ ...MORNING, name: 'ok name', description: '' }, /the description needs at least 3 characters/],
      [{ ...MORNING, name: 'ok name', instructions: 'x'.repeat(4001) }, /at most 4000 characters/],
    ];
    for (const [input, error] of cases) {
      const result = await skills.save(ALICE, input as typeof MORNING);
      assert.equal(result.status, 'invalid');
      if (result.status === 'invalid') assert.match(result.error, error);
    }
    assert.equal((await skills.list(ALICE)).length, before);
  });

  it('a person has at most maxPerScope skills in one chat', async () => {
    const skills = createSkills({ store, llm, clock, ids: createIdGen(), log, options: { maxPerScope: 1 } });
    const scope = { ownerUserId: 503, chatId: 503 };
    assert.equal((await skills.save(scope, MORNING)).status, 'created');
    assert.deepEqual(await skills.save(scope, WEEKLY), { status: 'full', max: 1 });
  });
});

describe('finding skills', () => {
  it('by meaning above the threshold: a paraphrase finds its skill, unrelated requests find none', async () => {
    const skills = make(0.5);
    const week = await skills.search(ALICE, 'go over my week: wins and open tasks');
    assert.deepEqual(
      week.hits.map((h) => [h.skill.name, h.match]),
      [['Weekly Review', 'meaning']],
    );
    assert.ok((week.hits[0]?.score ?? 0) >= 0.5);
    assert.deepEqual(
      (await skills.search(ALICE, 'what is the weather today')).hits.map((h) => h.skill.name),
      ['morning briefing'],
    );
    assert.deepEqual((await skills.search(ALICE, 'fix my car')).hits, []);
    assert.deepEqual((await skills.search(ALICE, 'tell me a joke about cats')).hits, []);
  });

  it('the threshold decides: the same paraphrase scores under a stricter one and is left out', async () => {
    const loose = await make(0.5).search(ALICE, 'go over my week: wins and open tasks');
    const score = loose.hits[0]?.score ?? 0;
    assert.ok(score > 0.5 && score < 0.6, `score ${score}`);
    assert.deepEqual((await make(0.6).search(ALICE, 'go over my week: wins and open tasks')).hits, []);
  });

  it('by name: exact (any case), inside a sentence, or with a typo; only in the caller scope', async () => {
    const skills = make(0.99);
    for (const q of ['weekly review', 'WEEKLY REVIEW', 'my weekly review', 'weekly reveiw'])
      assert.deepEqual(
        (await skills.search(ALICE, q)).hits.map((h) => [h.skill.name, h.match]),
        [['Weekly Review', 'name']],
        q,
      );
    assert.deepEqual(
      (await skills.search(BOB, 'morning briefing')).hits,
      [],
      "Bob does not see Alice's morning briefing",
    );
  });

  it('when the embedding service fails: names still match and the result says it is degraded', async () => {
    const skills = make(0.5);
    llm.failNext(5);
    const byName = await skills.search(ALICE, 'weekly review');
    assert.equal(byName.degraded, true);
    assert.deepEqual(
      byName.hits.map((h) => h.skill.name),
      ['Weekly Review'],
    );
    llm.failNext(0);
  });

  it('a skill saved while embedding was down is embedded at the next search and then found by meaning', async () => {
    const skills = make(0.5);
    const scope = { ownerUserId: 504, chatId: 504 };
    llm.failNext(1);
    assert.equal((await skills.save(scope, MORNING)).status, 'created');
    const [row] = await store.query('SELECT embedding FROM skills WHERE owner_user_id = 504');
    assert.equal(row?.embedding, null);
    assert.deepEqual(
      (await skills.search(scope, 'what is the weather today')).hits.map((h) => h.skill.name),
      ['morning briefing'],
    );
    const [after] = await store.query('SELECT embedding FROM skills WHERE owner_user_id = 504');
    assert.ok(after?.embedding != null);
  });
});

/** A turn runner that records requests and answers with the text it was given (a stand-in for the Network). */
function echoRunner(): TurnRunner & { requests: TurnRequest[] } {
  const requests: TurnRequest[] = [];
  return {
    requests,
    async run(request): Promise<TurnOutcome> {
      requests.push(request);
      return {
        status: 'done',
        text: `did: ${request.text}`,
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      };
    },
  };
}

const request = (userId: number, chatId: number): TurnRequest => ({
  turnId: 'job:x:1',
  userId,
  chat: { chatId, type: chatId > 0 ? 'private' : 'supergroup' },
  text: 'ignored',
  attachments: [],
  source: 'schedule',
  timezone: 'UTC',
});

describe('skills as routines', () => {
  it('resolve: the exact or one near name; an unknown name is refused naming the skills there', async () => {
    const routines = createSkillRoutines({ skills: make(), turnRunner: echoRunner() });
    const ok = await routines.resolve({ userId: 501, chatId: 501, skill: 'weekly review' });
    assert.equal(ok.ok, true);
    if (ok.ok) {
      assert.equal(ok.target.type, 'skill');
      assert.equal(ok.label, 'Weekly Review (skill)');
    }
    assert.equal((await routines.resolve({ userId: 501, chatId: 501, skill: 'weekly reveiw' })).ok, true);
    const unknown = await routines.resolve({ userId: 501, chatId: 501, skill: 'monthly report' });
    assert.deepEqual(unknown, {
      ok: false,
      reason:
        'There is no skill named "monthly report" in this chat. Skills here: "morning briefing", "Weekly Review".',
    });
    const elsewhere = await routines.resolve({ userId: 502, chatId: 501, skill: 'weekly review' });
    assert.equal(elsewhere.ok, false, "another person's skill is not theirs to schedule");
  });

  it('run: one turn through the turn runner whose text is the skill, framed as the user request', async () => {
    const runner = echoRunner();
    const skills = make();
    const routines = createSkillRoutines({ skills, turnRunner: runner });
    const resolved = await routines.resolve({ userId: 501, chatId: 501, skill: 'weekly review' });
    assert.ok(resolved.ok);
    const result = await routines.run(resolved.target, request(501, 501));
    assert.equal(result.posted, false);
    const [sent] = runner.requests;
    assert.equal(sent?.text, `Run your saved skill "Weekly Review":\n${WEEKLY.instructions}`);
    assert.equal(sent?.text, skillRunText({ name: 'Weekly Review', instructions: WEEKLY.instructions }));
    assert.equal(sent?.turnId, 'job:x:1', 'the idempotency key is kept');
  });

  it("run: a deleted skill (or another person's) is a failed run that says so, without a model call", async () => {
    const runner = echoRunner();
    const skills = make();
    const routines = createSkillRoutines({ skills, turnRunner: runner });
    const saved = await skills.save(ALICE, { ...MORNING, name: 'to delete' });
    assert.ok(saved.status === 'created');
    const target = { type: 'skill' as const, skillId: saved.skill.id };
    const foreign = await routines.run(target, request(502, 502));
    assert.ok(!foreign.posted && foreign.outcome.status === 'failed');
    await skills.remove(ALICE, saved.skill.id);
    const gone = await routines.run(target, request(501, 501));
    assert.ok(!gone.posted && gone.outcome.status === 'failed');
    if (!gone.posted) assert.match(gone.outcome.text, /skill was deleted/);
    assert.equal(runner.requests.length, 0);
  });

  it('createRoutines sends each target to its kind and resolves by what the ref names', async () => {
    const runner = echoRunner();
    const skills = createSkillRoutines({ skills: make(), turnRunner: runner });
    const ran: string[] = [];
    const workflows: RoutineRunner = {
      async resolve(ref) {
        return ref.workflow === 'briefing'
          ? {
              ok: true,
              target: { type: 'workflow', workflow: 'briefing', params: ref.params ?? {} },
              label: 'briefing',
            }
          : { ok: false, reason: 'no such workflow' };
      },
      async run(target) {
        ran.push(target.type);
        return { posted: true, messageId: 9 };
      },
    };
    const without = createRoutines({ skills });
    assert.deepEqual(await without.resolve({ userId: 501, chatId: 501, workflow: 'briefing' }), {
      ok: false,
      reason: 'Workflows are not available on this bot.',
    });
    const both = createRoutines({ skills, workflows });
    assert.equal((await both.resolve({ userId: 501, chatId: 501, workflow: 'briefing' })).ok, true);
    assert.equal((await both.resolve({ userId: 501, chatId: 501, skill: 'weekly review' })).ok, true);
    assert.equal((await both.resolve({ userId: 501, chatId: 501, skill: 'a', workflow: 'b' })).ok, false);
    assert.deepEqual(await both.run({ type: 'workflow', workflow: 'briefing', params: {} }, request(501, 501)), {
      posted: true,
      messageId: 9,
    });
    const skill = await both.resolve({ userId: 501, chatId: 501, skill: 'weekly review' });
    assert.ok(skill.ok);
    const result = await both.run(skill.target, request(501, 501));
    assert.equal(result.posted, false);
    assert.deepEqual(ran, ['workflow']);
    assert.equal(runner.requests.length, 1);
  });
});

describe('the skill tools', () => {
  const ctx = (userId: number, chatId: number): ToolContext => ({
    userId,
    chat: { chatId, type: chatId > 0 ? 'private' : 'supergroup' },
    timezone: 'UTC',
    turnId: 'update:1',
    agent: 'router',
    callId: 'c1',
    clock,
    log,
    signal: new AbortController().signal,
    progress() {},
    suspend: () => {
      throw new Error('the skill tools never ask');
    },
  });
  const call = async (tool: Tool | undefined, args: unknown, c: ToolContext) => {
    assert.ok(tool);
    const parsed = tool.parse(args);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    return (await tool.execute(parsed.value, c)) as Record<string, unknown>;
  };

  it('skill_save refuses to overwrite a name unless replace=true; skill_run returns the steps as the user procedure', async () => {
    const [, run, save] = createSkillTools(make());
    const c = ctx(601, 601);
    const first = await call(save, { ...MORNING, name: 'evening', agent: ' Assistant ' }, c);
    assert.equal(first.ok, true);
    assert.equal((await call(run, { name: 'evening' }, c)).agent, 'assistant', 'the agent name, trimmed, lower-case');
    const again = await call(save, { ...MORNING, name: 'Evening', instructions: 'Other steps.' }, c);
    assert.match(String(again.error), /already exists\. Ask the user whether to replace it/);
    const replaced = await call(save, { ...MORNING, name: 'Evening', instructions: 'Other steps.', replace: true }, c);
    assert.equal(replaced.status, 'updated');
    const ran = await call(run, { name: 'evening' }, c);
    assert.equal(ran.instructions, 'Other steps.');
    assert.equal(ran.agent, undefined, 'a replacement writes every field anew');
    assert.match(String(ran.how_to_use), /user's own saved instructions/);
    const unknown = await call(run, { name: 'night' }, c);
    assert.equal(unknown.error, 'No skill is named "night". The user\'s skills: "Evening".');
    const invalid = await call(save, { name: '!', description: 'x', instructions: 'y' }, c);
    assert.equal(invalid.ok, false);
    assert.match(String(invalid.error), /^Not saved: /);
  });

  it('skill_save words its approval prompt (asked only after untrusted text) in the requester language', async () => {
    const [, , save] = createSkillTools(make());
    assert.ok(save?.describeForApproval);
    const ru = await save.describeForApproval({ ...MORNING }, { ...ctx(601, 601), locale: 'ru' });
    assert.deepEqual(ru?.confirm, {
      title: 'Сохранить навык «morning briefing» с такими шагами?',
      yes: 'Сохранить',
      no: 'Не сохранять',
    });
    assert.equal(ru?.details, MORNING.instructions);
  });
});
