/** A command shown in Telegram's menu and in /help. */
export interface CommandSpec {
  command: string;
  description: string;
}

/** Where a list of commands is shown: a private chat with the bot, or a group. */
export type MenuPlace = 'private' | 'group';

/**
 * Commands that only do their job in a private chat. In a group they answer "send this to me privately" (/export,
 * /wipe, /users, /language, /connect, /connections) or would show one member's personal list to everyone (/permissions), so groups never
 * offer them.
 */
export const PRIVATE_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  'export',
  'wipe',
  'users',
  'permissions',
  'language',
  'connect',
  'connections',
]);

/** The commands to offer in `place`, each once (the first description wins), in the given order. */
export function commandsFor(all: CommandSpec[], place: MenuPlace): CommandSpec[] {
  const seen = new Map<string, CommandSpec>();
  for (const c of all)
    if (!seen.has(c.command)) seen.set(c.command, { command: c.command, description: c.description });
  const unique = [...seen.values()];
  return place === 'private' ? unique : unique.filter((c) => !PRIVATE_ONLY_COMMANDS.has(c.command));
}

/** The menu place of a Telegram chat type (channels have no command menu; they count as groups). */
export function placeOf(chatType: string | undefined): MenuPlace {
  return chatType === 'private' ? 'private' : 'group';
}
