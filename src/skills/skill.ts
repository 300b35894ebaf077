import { z } from 'zod';
import type { Row } from '../store/db.ts';

/** Longest skill name, description and instructions (characters). */
export const SKILL_LIMITS = { name: 60, description: 300, instructions: 4000, tools: 12 } as const;

/** A skill's place: the person who saved it and the chat it belongs to (their private chat, or a group). */
export interface SkillScope {
  ownerUserId: number;
  chatId: number;
}

/** A named procedure a person saved once and runs by name, by meaning, or from a scheduled job. */
export interface Skill extends SkillScope {
  id: string;
  name: string;
  description: string;
  instructions: string;
  /** The agent it is best delegated to, when it needs one. */
  agent?: string;
  /** Tools it needs (names), as a hint to the router. */
  tools: string[];
  createdAt: number;
  updatedAt: number;
}

/** The fields a person or the model writes; validated by {@link skillInput}. */
export interface SkillInput {
  name: string;
  description: string;
  instructions: string;
  agent?: string;
  tools?: string[];
}

/** The comparison key of a name: case-insensitive, spaces collapsed ("Weekly  Review" = "weekly review"). */
export function nameKey(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en');
}

const oneLine = (s: string) => s.normalize('NFKC').trim().replace(/\s+/g, ' ');

/** zod for a skill's fields: trimmed, within limits, a name of letters, digits, spaces and a few marks. */
export const skillInput = z.object({
  name: z
    .string()
    .transform(oneLine)
    .pipe(
      z
        .string()
        .min(2, 'the name needs at least 2 characters')
        .max(SKILL_LIMITS.name, `the name may have at most ${SKILL_LIMITS.name} characters`)
        .regex(/^[\p{L}\p{N}][\p{L}\p{N} _'&+.-]*$/u, "use letters, digits, spaces and - _ . ' & + in the name"),
    ),
  description: z
    .string()
    .transform(oneLine)
    .pipe(
      z
        .string()
        .min(3, 'the description needs at least 3 characters')
        .max(SKILL_LIMITS.description, `the description may have at most ${SKILL_LIMITS.description} characters`),
    ),
  instructions: z
    .string()
    .trim()
    .min(3, 'the instructions need at least 3 characters')
    .max(SKILL_LIMITS.instructions, `the instructions may have at most ${SKILL_LIMITS.instructions} characters`),
  agent: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_-]{0,39}$/)
    .optional(),
  tools: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/),
    )
    .max(SKILL_LIMITS.tools)
    .optional(),
});

const toolsColumn = z.array(z.string()).catch([]);

/** Maps a `skills` row (the tools JSON is checked; an unreadable list reads as none). */
export function skillFromRow(row: Row): Skill {
  let tools: string[] = [];
  if (typeof row.tools === 'string') {
    try {
      tools = toolsColumn.parse(JSON.parse(row.tools));
    } catch {
      tools = [];
    }
  }
  return {
    id: String(row.id),
    ownerUserId: Number(row.owner_user_id),
    chatId: Number(row.chat_id),
    name: String(row.name),
    description: String(row.description),
    instructions: String(row.instructions),
    ...(row.agent != null ? { agent: String(row.agent) } : {}),
    tools,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
