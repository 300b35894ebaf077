import { Composer } from 'grammy';
import { localeOfCtx } from '../locale.ts';
import { chatTexts } from './chat-texts.ts';
import type { Message } from 'grammy/types';
import type { Clock } from '../../core/clock.ts';
import type { Keyboard } from '../../core/outbox.ts';
import type { Suspension, TurnEvent, TurnOutcome, TurnRequest, TurnRunner } from '../../core/turn.ts';
import { hasAudio } from '../../core/voice-transcript.ts';
import type { Users } from '../../users/users.ts';
import { chatRefOf, contextMessage } from '../chat-ref.ts';
import type { BotContext } from '../context.ts';
import type { TelegramOutbox } from '../outbox.ts';
import { sendOutputFiles, withShowCode } from '../code-output.ts';
import { retryButton } from '../retry.ts';
import { answerStaleButton } from '../stale-button.ts';
import { toError } from '../../core/errors.ts';
import { isGroupChat, withoutMention } from './groups.ts';
import type { MediaReader } from './media.ts';
import { type TurnControl, TurnAbort, isShutdownAbort } from '../intake/turn-control.ts';
import { continueData } from '../../core/keys/callback-data.ts';
import { turnFinalKey, updateTurnId } from '../../core/keys/dedupe-keys.ts';
import type { Locale } from '../../i18n/locale.ts';

export const chatCommands: { command: string; description: string }[] = [];

/** The in-progress reply of one turn (implemented by the outbound side's streaming reply). */
export interface StreamingReply {
  onEvent(event: TurnEvent): void;
  /** Delivers the final answer (with `keyboard` buttons) and removes any preview. */
  finish(outcome: TurnOutcome, extra?: { keyboard?: Keyboard }): Promise<unknown>;
  /** Ends the reply with a short failure text and buttons. */
  fail(text: string, keyboard?: Keyboard): Promise<unknown>;
  /** Drops previews and timers without sending anything (shutdown: the turn resumes on the next start). */
  abandon?(): Promise<unknown> | undefined;
}

export interface ReplyParams {
  to: TurnRequest['chat'];
  /** The update that started the turn: dedupe keys and the Stop button (`sys:stop:<updateId>`) use it. */
  updateId: number;
  replyTo?: number;
  signal: AbortSignal;
  /** Show tool-progress status lines. */
  showProgress: boolean;
  /** A turn with audio: its answer starts with a transcript, to be shown (`show`) or only taken off (`hide`). */
  transcript?: 'show' | 'hide';
  /** The language of the reply's own texts. */
  locale?: Locale;
}

/** What approvals provide for turns that wait for a person. */
export interface SuspensionHandler {
  onSuspended(request: TurnRequest, suspension: Suspension): Promise<unknown>;
  /** A text reply may answer an open ask_user question; true means the message was consumed. */
  answerFromText?(chat: TurnRequest['chat'], userId: number, text: string): Promise<boolean>;
}

export interface ChatDeps {
  turnRunner: TurnRunner;
  /** Times the turn for its log line. */
  clock: Clock;
  users: Users;
  outbox: TelegramOutbox;
  media: MediaReader;
  control: TurnControl;
  createReply: (params: ReplyParams) => StreamingReply;
  approvals?: SuspensionHandler;
}

function sourcesMarkdown(outcome: TurnOutcome): string {
  const sources = outcome.grounding?.sources ?? [];
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const s of sources) {
    if (seen.has(s.uri) || !/^https?:\/\//.test(s.uri)) continue;
    seen.add(s.uri);
    const title = (s.title || new URL(s.uri).hostname).replace(/[[\]]/g, '');
    lines.push(`${lines.length + 1}. [${title}](${s.uri})`);
    if (lines.length >= 5) break;
  }
  return lines.length > 0 ? `\n\n**Sources:**\n${lines.join('\n')}` : '';
}

function quoteOf(message: Message, botId: number): string {
  const r = message.reply_to_message;
  const quoted = r?.text ?? r?.caption;
  if (!r || !quoted) return '';
  const who = r.from?.id === botId ? 'your earlier message' : `a message from ${r.from?.first_name ?? 'someone'}`;
  const clipped = quoted.length > 600 ? `${quoted.slice(0, 600)}…` : quoted;
  return `(Replying to ${who}: "${clipped}")\n\n`;
}

/**
 * The chat feature (last in the chain): turns a message (text, caption, media) into a TurnRequest, runs it with a
 * streaming reply, and ends every turn with exactly one final message: the answer, a limit note with Continue,
 * a failure with Retry, or the approvals prompt.
 */
export function createChatFeature(deps: ChatDeps): Composer<BotContext> {
  const { turnRunner, users, control } = deps;
  const composer = new Composer<BotContext>();

  /** Ends the turn with its one final message: the answer, a limit note with Continue, a failure with Retry, or a pause. */
  async function finishTurn(
    ctx: BotContext,
    reply: StreamingReply,
    request: TurnRequest,
    outcome: TurnOutcome,
  ): Promise<void> {
    const updateId = ctx.update.update_id;
    const locale = request.locale ?? 'en';
    const t = chatTexts(locale);
    const answerKeyboard = withShowCode(outcome, request.turnId, locale);
    switch (outcome.status) {
      case 'done':
      case 'stopped':
        await reply.finish(
          { ...outcome, text: outcome.text + sourcesMarkdown(outcome) },
          answerKeyboard ? { keyboard: answerKeyboard } : {},
        );
        await sendOutputFiles(deps.outbox, request.chat, outcome.files, locale, ctx.log);
        return;
      case 'limit': {
        const keyboard: Keyboard = [
          ...(answerKeyboard ?? []),
          [{ text: t.continueButton, data: continueData.encode(updateId) }],
        ];
        await reply.finish({ ...outcome, text: outcome.text + sourcesMarkdown(outcome) }, { keyboard });
        await sendOutputFiles(deps.outbox, request.chat, outcome.files, locale, ctx.log);
        return;
      }
      case 'failed':
        if (outcome.error) ctx.log.warn({ err: outcome.error, code: outcome.error.code }, 'turn failed');
        await reply.fail(outcome.text || t.failed, [[retryButton(updateId, locale)]]);
        return;
      case 'suspended':
        if (deps.approvals && outcome.suspension) {
          await reply.finish(outcome);
          await deps.approvals.onSuspended(request, outcome.suspension);
        } else {
          await reply.fail(t.noApprovals);
        }
        return;
    }
  }

  async function runTurn(
    ctx: BotContext,
    input: { text: string; attachments: TurnRequest['attachments']; replyTo?: number; untrustedInput?: boolean },
  ) {
    const updateId = ctx.update.update_id;
    const chat = chatRefOf(ctx);
    const from = ctx.from;
    if (!chat || !from) return;
    // A crash between delivering the answer and finishing the journal row replays the update on restart: the answer
    // is already in the chat, so running the turn again would only repeat its tool calls (e.g. a second reminder).
    if (await deps.outbox.wasDelivered(turnFinalKey.encode(updateId))) {
      ctx.log.info(
        { update_id: updateId },
        'final answer already delivered before a restart; not running the turn again',
      );
      return;
    }
    // The dispatcher registered this update; in-process callers without one get a private controller.
    const signal = control.signalFor(updateId) ?? new AbortController().signal;
    const { user, timezone, locale } = await users.profileOf(from.id);
    const request: TurnRequest = {
      turnId: updateTurnId.encode(updateId),
      userId: from.id,
      ...(from.first_name ? { userName: from.first_name } : {}),
      chat,
      text: input.text,
      attachments: input.attachments,
      source: 'telegram',
      ...(ctx.message?.message_id !== undefined ? { messageId: ctx.message.message_id } : {}),
      timezone,
      locale,
      ...(input.untrustedInput ? { untrustedInput: true } : {}),
      signal,
    };
    const reply = deps.createReply({
      to: chat,
      updateId,
      ...(input.replyTo !== undefined ? { replyTo: input.replyTo } : {}),
      signal,
      showProgress: user?.settings.showProgress ?? true,
      ...(request.locale ? { locale: request.locale } : {}),
      ...(hasAudio(input.attachments)
        ? { transcript: (user?.settings.showTranscripts ?? true) ? 'show' : 'hide' }
        : {}),
    });
    ctx.log.info({ turn_id: request.turnId, attachments: input.attachments.length }, 'turn started');
    const started = deps.clock.now();
    let outcome: TurnOutcome;
    try {
      outcome = await turnRunner.run(request, (e) => reply.onEvent(e));
    } catch (err) {
      if (isShutdownAbort(signal.reason)) {
        await reply.abandon?.();
        throw new TurnAbort('shutdown');
      }
      throw err;
    }
    if (isShutdownAbort(signal.reason)) {
      // Interrupted by shutdown: say nothing now; the journal keeps the update and it runs again on the next start.
      await reply.abandon?.();
      throw new TurnAbort('shutdown');
    }
    ctx.log.info(
      { turn_id: request.turnId, status: outcome.status, ms: deps.clock.now() - started, usage: outcome.usage },
      'turn finished',
    );
    await finishTurn(ctx, reply, request, outcome);
  }

  async function fromMessage(ctx: BotContext, message: Message): Promise<void> {
    control.markTurn(ctx.update.update_id); // from here on /stop and the Stop button stop this reply
    const media = await deps.media.read(message, control.signalFor(ctx.update.update_id), localeOfCtx(ctx));
    const to = chatRefOf(ctx);
    if (!media.ok) {
      if (to)
        await deps.outbox.send(to, {
          text: media.reply,
          format: 'plain',
          replyTo: message.message_id,
          dedupeKey: turnFinalKey.encode(ctx.update.update_id),
        });
      return;
    }
    let text = (message.text ?? message.caption ?? '').trim();
    if (isGroupChat(message.chat.type)) text = withoutMention(text, ctx.me.username);
    if (!text && media.attachments.length === 0) return; // service messages (joins, pins…) need no answer
    if (text && media.attachments.length === 0 && to && ctx.from && deps.approvals?.answerFromText) {
      if (await deps.approvals.answerFromText(to, ctx.from.id, text)) return;
    }
    // Audio needs no note: the voice instruction tells the model what it hears, and the transcript becomes the text.
    if (!text && !hasAudio(media.attachments))
      text = `(The user sent a ${media.kinds.join(' and ')} without a caption.)`;
    const quoted = quoteOf(message, ctx.me.id);
    text = quoted + text;
    // Someone else's words (forwarded, quoted) make the turn untrusted: guarded actions then need a formal approval.
    const untrustedInput =
      quoted !== '' || message.forward_origin !== undefined || message.external_reply !== undefined;
    await runTurn(ctx, { text, attachments: media.attachments, replyTo: message.message_id, untrustedInput });
  }

  composer.on('message', (ctx) => fromMessage(ctx, ctx.message));

  composer.callbackQuery(continueData.route, async (ctx) => {
    const t = chatTexts(localeOfCtx(ctx));
    if (continueData.decode(ctx.callbackQuery.data) === undefined)
      return answerStaleButton(ctx, deps.outbox, t.buttonInvalid);
    const origin = contextMessage(ctx);
    if (origin && ctx.chat) {
      // Take the button away so one press runs one turn (a second press of it is answered by the retry feature).
      await deps.outbox.editKeyboard(chatRefOf(ctx)!, origin.message_id, undefined).catch(() => undefined);
    }
    control.markTurn(ctx.update.update_id);
    await ctx
      .answerCallbackQuery({ text: t.continuing })
      .catch((err) => ctx.log.debug({ err: toError(err) }, 'could not answer Continue'));
    await runTurn(ctx, { text: 'continue', attachments: [] });
  });

  return composer;
}
