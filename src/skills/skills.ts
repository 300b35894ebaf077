import type { Clock, IdGen } from '../core/clock.ts';
import { toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { Llm } from '../llm/types.ts';
import type { Store } from '../store/db.ts';
import { cosine, encodeVector, normalize, vectorFromBlob } from '../vectors/vectors.ts';
import { type Skill, type SkillInput, type SkillScope, nameKey, skillInput } from './skill.ts';
import { type NameMatch, matchName } from './skill-match.ts';
import {
  countSkills,
  deleteSkill,
  getSkill,
  listSkillVectors,
  listSkills,
  putSkill,
  setSkillEmbedding,
  skillByName,
} from './skill-store.ts';

/** Tunables; each has a default. */
export interface SkillsOptions {
  /** Embedding size (as memory and the library use). Default 768. */
  dims?: number;
  /** Lowest cosine of a query and a description that counts as a match. Default 0.55. */
  minScore?: number;
  /** Skills one person may keep in one chat. Default 100. */
  maxPerScope?: number;
}

/** The outcome of a save: stored, or why not (in words a person or the model can act on). */
export type SaveResult =
  | { status: 'created' | 'updated'; skill: Skill }
  | { status: 'invalid'; error: string }
  | { status: 'name_taken'; other: Skill }
  | { status: 'not_found' }
  | { status: 'full'; max: number };

/** A search hit: a skill with how it matched (name, or the description's meaning with its score). */
export interface SkillHit {
  skill: Skill;
  match: 'name' | 'meaning';
  score: number;
}

/**
 * Skills: named procedures per person and chat. Saving checks the fields (zod) and the name's uniqueness
 * (case-insensitive) in one write transaction; the description is embedded on save (or at the first search, when
 * the embedding service was down), and `search` ranks by meaning above a threshold plus exact and near name matches.
 */
export function createSkills(deps: {
  store: Store;
  llm: Llm;
  clock: Clock;
  ids: IdGen;
  log: Logger;
  options?: SkillsOptions;
}) {
  const { store, llm, clock, log } = deps;
  const dims = deps.options?.dims ?? 768;
  const minScore = deps.options?.minScore ?? 0.55;
  const maxPerScope = deps.options?.maxPerScope ?? 100;

  const documentText = (s: Skill) => `${s.name}: ${s.description}`;

  async function embed(texts: string[], task: 'RETRIEVAL_QUERY' | 'RETRIEVAL_DOCUMENT', signal?: AbortSignal) {
    const vecs = await llm.embed(texts, { task, dimensions: dims, ...(signal ? { signal } : {}) });
    if (vecs.length !== texts.length) throw new Error(`embedding returned ${vecs.length} vectors for ${texts.length}`);
    return vecs.map(normalize);
  }

  /** Embeds the given skills' descriptions and stores them; failures are logged (search embeds them later). */
  async function embedSkills(skills: Skill[], signal?: AbortSignal): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (skills.length === 0) return out;
    try {
      const vecs = await embed(skills.map(documentText), 'RETRIEVAL_DOCUMENT', signal);
      for (const [i, skill] of skills.entries()) {
        const vec = vecs[i] as Float32Array;
        out.set(skill.id, vec);
        await setSkillEmbedding(store, skill.id, skill.updatedAt, encodeVector(vec));
      }
    } catch (err) {
      log.warn(
        { err: toError(err), skills: skills.length },
        'could not embed skill descriptions; will retry on search',
      );
    }
    return out;
  }

  /** Creates a skill, or with `id` changes that one; a name another skill of the scope has is refused. */
  async function save(scope: SkillScope, input: SkillInput, options: { id?: string } = {}): Promise<SaveResult> {
    const parsed = skillInput.safeParse(input);
    if (!parsed.success) return { status: 'invalid', error: parsed.error.issues.map((i) => i.message).join('; ') };
    const fields = parsed.data;
    const key = nameKey(fields.name);
    const now = clock.now();
    const result = await store.write(async (tx): Promise<SaveResult> => {
      const same = await skillByName(tx, scope, key);
      const current = options.id ? await getSkill(tx, options.id) : undefined;
      if (options.id && (!current || current.ownerUserId !== scope.ownerUserId || current.chatId !== scope.chatId))
        return { status: 'not_found' };
      if (same && same.id !== current?.id) return { status: 'name_taken', other: same };
      if (!current && (await countSkills(tx, scope)) >= maxPerScope) return { status: 'full', max: maxPerScope };
      const skill: Skill = {
        id: current?.id ?? deps.ids(),
        ...scope,
        name: fields.name,
        description: fields.description,
        instructions: fields.instructions,
        ...(fields.agent ? { agent: fields.agent } : {}),
        tools: fields.tools ?? [],
        createdAt: current?.createdAt ?? now,
        updatedAt: current && current.updatedAt >= now ? current.updatedAt + 1 : now,
      };
      await putSkill(tx, { ...skill, nameKey: key });
      return { status: current ? 'updated' : 'created', skill };
    });
    if (result.status === 'created' || result.status === 'updated') await embedSkills([result.skill]);
    return result;
  }

  async function own(scope: SkillScope, id: string): Promise<Skill | undefined> {
    const skill = await getSkill(store, id);
    return skill && skill.ownerUserId === scope.ownerUserId && skill.chatId === scope.chatId ? skill : undefined;
  }

  return {
    save,

    /** The scope's skills, by name. */
    list: (scope: SkillScope) => listSkills(store, scope),

    /** A skill of this scope by id (undefined when gone or someone else's). */
    get: own,

    /** A skill by its id alone (for a scheduled job: the job's owner and chat are checked by the caller). */
    byId: (id: string) => getSkill(store, id),

    /** The skills a typed name points to: one exact match, or near ones (typos, extra words). */
    async findByName(scope: SkillScope, name: string): Promise<NameMatch[]> {
      return matchName(await listSkills(store, scope), name);
    },

    /** Deletes a skill of this scope; the deleted skill, or undefined when it was already gone. */
    async remove(scope: SkillScope, id: string): Promise<Skill | undefined> {
      const skill = await own(scope, id);
      if (!skill) return undefined;
      return (await deleteSkill(store, id)) ? skill : undefined;
    },

    /**
     * Skills whose description means what `query` asks (cosine ≥ the threshold) or whose name it names, best first.
     * `degraded` when the embedding service failed (then only names matched).
     */
    async search(
      scope: SkillScope,
      query: string,
      options: { limit?: number; signal?: AbortSignal } = {},
    ): Promise<{ hits: SkillHit[]; degraded: boolean }> {
      const limit = options.limit ?? 5;
      const rows = await listSkillVectors(store, scope);
      if (rows.length === 0) return { hits: [], degraded: false };
      const hits = new Map<string, SkillHit>();
      for (const { skill } of matchName(
        rows.map((r) => r.skill),
        query,
      ))
        hits.set(skill.id, { skill, match: 'name', score: 1 });
      let degraded = false;
      try {
        const vectors = new Map<string, Float32Array>();
        const missing: Skill[] = [];
        for (const { skill, vec } of rows) {
          const v = vec == null ? undefined : vectorFromBlob(vec);
          if (v && v.length === dims) vectors.set(skill.id, v);
          else missing.push(skill);
        }
        for (const [id, v] of await embedSkills(missing, options.signal)) vectors.set(id, v);
        const [q] = await embed([query.slice(0, 2000)], 'RETRIEVAL_QUERY', options.signal);
        for (const { skill } of rows) {
          const v = vectors.get(skill.id);
          if (!v || !q || hits.has(skill.id)) continue;
          const score = cosine(q, v);
          if (score >= minScore) hits.set(skill.id, { skill, match: 'meaning', score });
        }
      } catch (err) {
        degraded = true;
        log.warn({ err: toError(err) }, 'skill search by meaning failed; names only');
      }
      return { hits: [...hits.values()].sort((a, b) => b.score - a.score).slice(0, limit), degraded };
    },
  };
}

/** The skills service (see {@link createSkills}). */
export type Skills = ReturnType<typeof createSkills>;
