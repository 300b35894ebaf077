import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../core/errors.ts';

type Block = CallToolResult['content'][number];

function blockText(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} (${block.mimeType}) not shown]`;
    case 'resource':
      return 'text' in block.resource && typeof block.resource.text === 'string'
        ? block.resource.text
        : `[binary resource ${block.resource.uri} not shown]`;
    case 'resource_link':
      return `[resource ${block.name}: ${block.uri}]`;
    default:
      return '';
  }
}

/** Cuts `text` to `max` characters with a note the model understands. */
export function capOutput(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}\n\n[output truncated: the tool returned ${text.length} characters, only the first ${max} are shown; ask for less (a narrower query, fewer items) if you need the rest]`;
}

/**
 * What the model reads of a tool result: the text blocks joined (images and binary resources named, not sent), or
 * the structured content as JSON when there is no text, cut to `max` characters. A result flagged `isError` throws,
 * so the model gets it as the call's error.
 */
export function resultForModel(result: CallToolResult, max: number): { result: string } {
  const text = (result.content ?? [])
    .map(blockText)
    .filter((t) => t.length > 0)
    .join('\n');
  const body = text || (result.structuredContent ? JSON.stringify(result.structuredContent) : '') || 'done';
  if (result.isError) throw new AppError('tool_failed', `The tool reported an error: ${capOutput(body, 2000)}`);
  return { result: capOutput(body, max) };
}
