import type { GenerateContentConfig, Tool as GTool } from '@google/genai';
import type { Attempt } from './gemini-attempt.ts';
import type { BuiltinTool, GenerateRequest } from './types.ts';

/** Each built-in tool as Gemini's request names it. */
const BUILTIN_TOOLS: Record<BuiltinTool, GTool> = {
  google_search: { googleSearch: {} },
  url_context: { urlContext: {} },
  code_execution: { codeExecution: {} },
};

/** Maps our request to the SDK's config: system instruction, sampling, function and built-in tools, the attempt. */
export function buildConfig(req: GenerateRequest, attempt: Attempt): GenerateContentConfig {
  const config: GenerateContentConfig = { abortSignal: attempt.signal, httpOptions: { fetch: attempt.fetch } };
  if (req.system) config.systemInstruction = req.system;
  if (req.temperature !== undefined) config.temperature = req.temperature;
  if (req.maxOutputTokens !== undefined) config.maxOutputTokens = req.maxOutputTokens;
  const tools: GTool[] = [];
  if (req.tools && req.tools.length > 0)
    tools.push({
      functionDeclarations: req.tools.map((t) => ({
        name: t.name,
        description: t.description,
        parametersJsonSchema: t.parameters,
      })),
    });
  for (const b of req.builtinTools ?? []) tools.push({ ...BUILTIN_TOOLS[b] });
  if (tools.length > 0) config.tools = tools;
  return config;
}
