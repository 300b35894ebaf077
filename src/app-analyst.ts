import type { Outbox } from './core/outbox.ts';
import { storedCodeOf } from './memory/stored-code.ts';
import type { Store } from './store/db.ts';
import { createCodeFeature } from './telegram/features/code.ts';
import type { FeatureModule } from './telegram/front-end.ts';

/**
 * The analyst's chat side (issue 17): the "Show code" button under an answer whose model ran code, reading the code
 * kept with the stored answer. (Files the code made are sent by the chat feature after the answer.)
 */
export function createAnalystModule(deps: { store: Store; outbox: Outbox }): FeatureModule {
  return {
    composer: createCodeFeature({
      outbox: deps.outbox,
      codeOf: (chatId, turnId) => storedCodeOf(deps.store, chatId, turnId),
    }),
  };
}
