import type { TurnEvent } from '../core/turn.ts';
import { toolStatus } from './tool-status.ts';
import type { Locale } from '../i18n/locale.ts';

/** What a streaming reply has heard so far: text per agent and the current tool status. */
export interface StreamText {
  /** Takes in one turn event; false when it changes nothing shown. */
  apply(event: TurnEvent): boolean;
  /** The Markdown of the agent that wrote last (the router often repeats its helper). */
  markdown(): string;
  status(): string | undefined;
}

/** Creates an empty stream text. */
export function createStreamText(locale: Locale = 'en'): StreamText {
  const texts = new Map<string, string>();
  let lastAgent: string | undefined;
  let status: string | undefined;
  return {
    apply(event) {
      switch (event.type) {
        case 'text-delta':
          texts.set(event.agent, (texts.get(event.agent) ?? '') + event.text);
          lastAgent = event.agent;
          return true;
        case 'agent-finish':
          if (event.text) {
            texts.set(event.agent, event.text);
            lastAgent = event.agent;
          }
          return true;
        case 'tool-start':
          status = toolStatus(event.tool, locale);
          return true;
        case 'tool-progress':
        case 'status':
          status = event.message;
          return true;
        case 'tool-result':
          status = undefined;
          return true;
        default:
          return false;
      }
    },
    markdown: () => (lastAgent ? (texts.get(lastAgent) ?? '') : ''),
    status: () => status,
  };
}
