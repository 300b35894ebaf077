import type { ConditionTest, ForEachStep, Step } from './definition.ts';
import { agentStep } from './agent-step.ts';
import { type Pass, leaf } from './pass.ts';
import { StepFailed, StepSuspended } from './step-errors.ts';
import { toolStep } from './tool-step.ts';
import { type Scope, type ScopeValue, render, renderValue } from './template.ts';

function testHolds(test: ConditionTest, value: string): boolean {
  if (test.equals !== undefined) return value.trim() === test.equals;
  if (test.notEquals !== undefined) return value.trim() !== test.notEquals;
  if (test.contains !== undefined) return value.toLowerCase().includes(test.contains.toLowerCase());
  return (value.trim() === '') === test.empty;
}

/** Settles every branch; the first failure wins, then a suspension; else their outputs in order. */
async function together(work: (() => Promise<ScopeValue>)[]): Promise<ScopeValue[]> {
  const settled = await Promise.allSettled(work.map((w) => w()));
  const failed = settled.find((s) => s.status === 'rejected' && !(s.reason instanceof StepSuspended));
  if (failed?.status === 'rejected') throw failed.reason;
  const waiting = settled.find((s) => s.status === 'rejected');
  if (waiting?.status === 'rejected') throw waiting.reason;
  return settled.map((s) => (s.status === 'fulfilled' ? s.value : { value: undefined }));
}

function joinValues(values: ScopeValue[]): ScopeValue {
  const untrusted = values.find((v) => v.untrusted)?.untrusted;
  return { value: values.map((v) => v.value), ...(untrusted ? { untrusted } : {}) };
}

function untrustedIn(scope: Scope): { untrusted?: string } {
  for (const v of scope.outputs.values()) if (v.untrusted) return { untrusted: v.untrusted };
  return {};
}

async function forEachStep(p: Pass, step: ForEachStep, key: string, scope: Scope): Promise<ScopeValue> {
  const raw = renderValue(step.items, scope);
  const items = Array.isArray(raw) ? raw : raw === undefined || raw === '' ? [] : [raw];
  if (items.length > step.maxItems) throw new StepFailed(key, { kind: 'too_many_items', max: step.maxItems });
  const one = async (item: unknown, i: number): Promise<ScopeValue> => {
    const inner: Scope = {
      params: scope.params,
      vars: { [step.as]: { value: item } },
      outputs: new Map(),
      parent: scope,
    };
    const last = await runSteps(p, step.steps, `${key}[${i}].`, inner);
    return step.output ? { value: render(step.output, inner), ...untrustedIn(inner) } : last;
  };
  const work = items.map((item, i) => () => one(item, i));
  if (step.parallel) return joinValues(await together(work));
  const outs: ScopeValue[] = [];
  for (const w of work) outs.push(await w());
  return joinValues(outs);
}

async function runStep(p: Pass, step: Step, key: string, scope: Scope): Promise<ScopeValue> {
  switch (step.type) {
    case 'agent':
      return agentStep(p, step, key, scope);
    case 'tool':
      return toolStep(p, step, key, scope);
    case 'post':
      return leaf(p, key, true, 'post', async () => {
        const sent = await p.deps.post(p.run, render(step.text, scope));
        if (!sent.ok) throw new StepFailed(key, { kind: 'post_failed', message: sent.message });
        return { value: { messageId: sent.messageId } };
      });
    case 'parallel': {
      // Branch steps' outputs stay visible after the step (ids are unique in a workflow); only forEach items get their own.
      const branch = (steps: Step[], b: number) => () => runSteps(p, steps, `${key}[${b}].`, scope);
      return joinValues(await together(step.branches.map(branch)));
    }
    case 'forEach':
      return forEachStep(p, step, key, scope);
    case 'condition': {
      const holds = testHolds(step.if, render(step.if.value, scope));
      const steps = holds ? step.steps : step.otherwise;
      return steps.length > 0 ? runSteps(p, steps, `${key}.${holds ? 'yes' : 'no'}.`, scope) : { value: '' };
    }
  }
}

/** Runs steps in order; each one's output goes into the scope under its id. Keys name a step's place in the run. */
export async function runSteps(p: Pass, steps: Step[], prefix: string, scope: Scope): Promise<ScopeValue> {
  let last: ScopeValue = { value: '' };
  for (const step of steps) {
    last = await runStep(p, step, `${prefix}${step.id}`, scope);
    scope.outputs.set(step.id, last);
  }
  return last;
}
