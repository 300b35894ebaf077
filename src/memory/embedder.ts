import type { Llm } from '../llm/types.ts';
import { clip } from './text.ts';
import { normalize } from '../vectors/vectors.ts';

export type EmbedTask = 'RETRIEVAL_QUERY' | 'RETRIEVAL_DOCUMENT';

/** Embeds texts with the Llm's embedding model; checks count and dimensions and returns unit vectors. */
export function createEmbedder(llm: Llm, dims: number) {
  async function embed(texts: string[], task: EmbedTask, signal?: AbortSignal): Promise<Float32Array[]> {
    const vecs = await llm.embed(texts, { task, dimensions: dims, signal });
    if (vecs.length !== texts.length)
      throw new Error(`embedding returned ${vecs.length} vectors for ${texts.length} texts`);
    for (const v of vecs) {
      if (v.length !== dims) throw new Error(`embedding has ${v.length} dimensions, expected ${dims}`);
    }
    return vecs.map(normalize);
  }

  return {
    embed,

    /** One text (clipped to 2000 characters) embedded. */
    async one(text: string, task: EmbedTask, signal?: AbortSignal): Promise<Float32Array | undefined> {
      return (await embed([clip(text, 2000)], task, signal))[0];
    },
  };
}

export type Embedder = ReturnType<typeof createEmbedder>;
