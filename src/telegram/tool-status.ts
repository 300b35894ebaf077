/** What the user sees while a tool runs. */
export function toolStatus(tool: string): string {
  const t = tool.toLowerCase();
  if (t.startsWith('agent_')) return `🤝 Asking the ${t.slice(6).replace(/_/g, ' ')} agent…`;
  if (/search|google|web/.test(t)) return '🔎 Searching the web…';
  if (/fetch|browse|url|read_page/.test(t)) return '🌐 Reading a page…';
  if (/remind|schedule|job|cron/.test(t)) return '⏰ Setting a reminder…';
  if (/recall|memory_search|search_memory/.test(t)) return '🧠 Checking my memory…';
  if (/remember|forget|memory/.test(t)) return '🧠 Updating my memory…';
  if (/ask_user|question/.test(t)) return '❓ Preparing a question…';
  if (/calc|math/.test(t)) return '🧮 Calculating…';
  if (/time|date|clock/.test(t)) return '🕒 Checking the time…';
  return `⚙️ Working (${tool.replace(/_/g, ' ')})…`;
}
