/**
 * What is kept of a stranger's group message (issue 12, point 6): only that it was for the bot, so the access check
 * can answer and ask the owner; never the text or the message replied to.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Update } from 'grammy/types';
import { isForBot, stripForStranger } from '../../src/telegram/features/groups.ts';

const me = { id: 42, username: 'helper_bot' };
const group = { id: -100_5, type: 'supergroup' as const, title: 'Team' };
const from = { id: 7, is_bot: false, first_name: 'Eve' };

function update(message: Record<string, unknown>): Update {
  return { update_id: 1, message: { message_id: 3, date: 1, chat: group, from, ...message } } as unknown as Update;
}

test('a mention or a reply to the bot keeps only a bare @mention; other chatter and private text keep nothing', () => {
  const mention = stripForStranger(
    update({ text: 'hey @helper_bot my card is 4111 1111', entities: [{ type: 'mention', offset: 4, length: 11 }] }),
    me,
  );
  assert.equal(mention.message?.text, '@helper_bot');
  assert.ok(isForBot(mention.message!, me), 'still for the bot');

  const reply = stripForStranger(
    update({
      text: 'secret plan',
      reply_to_message: {
        message_id: 2,
        date: 1,
        chat: group,
        from: { id: 42, is_bot: true, first_name: 'H' },
        text: 'earlier answer',
      },
    }),
    me,
  );
  assert.equal(reply.message?.text, '@helper_bot');
  assert.equal(JSON.stringify(reply).includes('secret') || JSON.stringify(reply).includes('earlier answer'), false);

  const chatter = stripForStranger(update({ text: 'just talking about @other_bot' }), me);
  assert.equal(chatter.message?.text, undefined);
  assert.equal(isForBot(chatter.message!, me), false);

  const command = stripForStranger(
    update({ text: '/help@helper_bot please', entities: [{ type: 'bot_command', offset: 0, length: 16 }] }),
    me,
  );
  assert.equal(command.message?.text, '/help@helper_bot', 'a command keeps its bare name, as before');

  const privately = stripForStranger(
    {
      update_id: 2,
      message: {
        message_id: 4,
        date: 1,
        chat: { id: 7, type: 'private', first_name: 'Eve' },
        from,
        text: 'private words',
      },
    } as Update,
    me,
  );
  assert.equal(privately.message?.text, undefined);
});
