import type { Tool } from '../tool.ts';
import { createCurrentTimeTool } from './current-time.ts';
import { type HttpFetchOptions, createHttpFetchTool } from './http-fetch.ts';

export interface BuiltinToolsOptions {
  httpFetch?: HttpFetchOptions;
}

/** The built-in tools (`current_time`, `http_fetch`), ready for `registry.register(...)`. */
export function createBuiltinTools(options: BuiltinToolsOptions = {}): Tool[] {
  return [createCurrentTimeTool(), createHttpFetchTool(options.httpFetch)];
}
