import type { Locale } from '../i18n/locale.ts';
import { telegramTexts } from './telegram-texts.ts';

/** What the user sees while a tool runs. */
export function toolStatus(tool: string, locale: Locale = 'en'): string {
  const t = tool.toLowerCase();
  const m = telegramTexts(locale);
  if (t.startsWith('agent_')) return m.askingAgent({ agent: t.slice(6).replace(/_/g, ' ') });
  if (/search|google|web/.test(t)) return m.searching;
  if (/fetch|browse|url|read_page/.test(t)) return m.readingPage;
  if (/remind|schedule|job|cron/.test(t)) return m.settingReminder;
  if (/recall|memory_search|search_memory/.test(t)) return m.checkingMemory;
  if (/remember|forget|memory/.test(t)) return m.updatingMemory;
  if (/ask_user|question/.test(t)) return m.preparingQuestion;
  if (/calc|math/.test(t)) return m.calculating;
  if (/time|date|clock/.test(t)) return m.checkingTime;
  return m.working({ tool: tool.replace(/_/g, ' ') });
}
