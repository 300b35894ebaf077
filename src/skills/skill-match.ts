import { nameKey, type Skill } from './skill.ts';

/** Edit distance of two short strings (names), capped: anything above `max` is `max + 1`. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return Math.min(prev[b.length] as number, max + 1);
}

/** How a name matched: exactly (case-insensitive), or nearly (a typo, a word more or less). */
export type NameMatch = { skill: Skill; how: 'exact' | 'near' };

/**
 * The skills a name (as a person typed or said it) points to: the exact one, else near ones: the typed name
 * contains the skill's name or the other way round ("my weekly review" → "weekly review"), or up to 2 typos.
 */
export function matchName(skills: readonly Skill[], typed: string): NameMatch[] {
  const key = nameKey(typed).replace(/^(?:the|my|our)\s+/, '');
  if (!key) return [];
  const exact = skills.find((s) => nameKey(s.name) === key);
  if (exact) return [{ skill: exact, how: 'exact' }];
  const near: { skill: Skill; d: number }[] = [];
  for (const skill of skills) {
    const name = nameKey(skill.name);
    if (name.length >= 3 && (key.includes(name) || (name.includes(key) && key.length >= 3))) {
      near.push({ skill, d: 0 });
      continue;
    }
    const d = editDistance(key, name, 2);
    if (d <= (name.length <= 5 ? 1 : 2)) near.push({ skill, d });
  }
  return near.sort((a, b) => a.d - b.d).map(({ skill }) => ({ skill, how: 'near' }));
}
