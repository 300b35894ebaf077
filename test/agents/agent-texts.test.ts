import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createAgent } from '../../src/agents/agent.ts';
import { agentTexts } from '../../src/agents/agent-texts.ts';
import { createRunContext } from '../../src/agents/context.ts';
import { defineTool } from '../../src/agents/tool.ts';
import { userMessageFor } from '../../src/agents/turn-runner.ts';
import { LlmError } from '../../src/core/errors.ts';
import type { Locale } from '../../src/i18n/locale.ts';
import { LIMITS, createScriptedHarness, log, request } from './harness.ts';

function pingAgent(llm: ReturnType<typeof createScriptedHarness>['llm']) {
  const ping = defineTool({ name: 'ping', description: 'Ping', input: z.object({}), execute: () => 'pong' });
  return createAgent({ name: 'a', description: 'x', model: 'm', instructions: 'x', tools: [ping], llm });
}

describe('the agent loop speaks the user language', () => {
  for (const [locale, expected] of [
    ['en', /^I stopped after 2 steps before finishing\. Say "continue"/],
    ['ru', /^Я остановился после 2 шагов, не закончив\. Напишите «продолжай»/],
  ] as [Locale, RegExp][]) {
    it(`stops at the step limit with a note in ${locale}`, async () => {
      const h = createScriptedHarness();
      h.model.setHandler(() => ({ functionCalls: [{ name: 'ping' }] }));
      const ctx = createRunContext({
        request: request({ locale }),
        clock: h.clock,
        log,
        limits: { ...LIMITS, maxSteps: 2 },
      });
      const r = await pingAgent(h.llm).run({ history: [], text: 'go' }, ctx);
      assert.equal(r.limit, 'steps');
      assert.match(r.text, expected);
    });
  }

  it('words the budget with Russian plurals and number grouping', () => {
    const ru = agentTexts('ru');
    assert.match(ru.stoppedAtBudget({ tokens: 200_000 }), /\(200\s000 токенов\)/);
    assert.match(ru.stoppedAtBudget({ tokens: 2001 }), /\(2\s001 токен\)/);
    assert.match(ru.stoppedAtBudget({ tokens: 3 }), /\(3 токена\)/);
    assert.match(ru.stoppedAfterSteps({ steps: 1 }), /после 1 шага/);
    assert.match(ru.stoppedAfterSteps({ steps: 21 }), /после 21 шага/);
    assert.match(agentTexts('en').stoppedAtBudget({ tokens: 200_000 }), /\(200,000 tokens\)/);
  });

  it('says what failed and what to do next, in the turn language; English wording unchanged', () => {
    const busy = new LlmError('llm_rate_limited', 'x', { retryAfterMs: 1000 });
    assert.equal(userMessageFor(busy), 'Gemini is busy right now — tap Retry in a minute.');
    assert.equal(userMessageFor(busy, 'ru'), 'Gemini сейчас перегружен — нажмите «Повторить» через минуту.');
    assert.equal(userMessageFor(new Error('boom'), 'ru'), agentTexts('ru').internal);
  });

  it('has every Russian text filled in, in Cyrillic, with the same placeholders as English', () => {
    const params = { steps: 3, tokens: 1234, host: 'example.com' };
    const en = agentTexts('en');
    const ru = agentTexts('ru');
    for (const key of Object.keys(agentTexts.source) as (keyof typeof en)[]) {
      const e = en[key];
      const r = ru[key];
      const eText = typeof e === 'function' ? (e as (p: typeof params) => string)(params) : e;
      const rText = typeof r === 'function' ? (r as (p: typeof params) => string)(params) : r;
      assert.ok(rText.trim() && /[а-яё]/i.test(rText), `${key} is Russian`);
      for (const token of ['/new', 'GEMINI_API_KEY', 'example.com', '1234', '3'])
        if (eText.includes(token)) assert.ok(rText.replace(/\s/g, '').includes(token), `${key} keeps ${token}`);
    }
  });
});
