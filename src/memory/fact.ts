import { z } from 'zod';

export const FACT_CATEGORIES = [
  'personal',
  'preference',
  'work',
  'habit',
  'relationship',
  'health',
  'goal',
  'other',
] as const;
export const factCategorySchema = z.enum(FACT_CATEGORIES);
export type FactCategory = z.infer<typeof factCategorySchema>;

/** Longest fact text kept, in characters. */
export const MAX_FACT_LENGTH = 200;
/** Cosine at or above which a new fact is the same as an existing one (merged). */
export const DUPLICATE_THRESHOLD = 0.85;
/** Cosine at or above which the extractor's `supersedes` text matches an existing fact (replaced). */
export const SUPERSEDE_THRESHOLD = 0.8;

/** Where a fact came from: extracted from chat by the model, or kept because the user asked. */
export type FactSource = 'extracted' | 'explicit';

/** A stored fact about a user, in one scope. */
export interface Fact {
  id: string;
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  /** Confidence when last confirmed (0..1). */
  confidence: number;
  /** Confidence after time decay, as of now. */
  effectiveConfidence: number;
  source: FactSource;
  createdAt: number;
  confirmedAt: number;
  /** Set while a forgotten fact waits out its Undo window (it is hidden from everything but Undo). */
  deletedAt?: number;
}

export type AddFactResult =
  | { status: 'added' | 'merged'; fact: Fact; superseded: Fact[] }
  | { status: 'rejected'; reason: 'empty' | 'injection' | 'forgotten' };

export interface FactInput {
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  source: FactSource;
  supersedes?: string;
  sourceMessageId?: number;
}

/** Embeds texts for fact comparison; returns undefined when the embedding service is unavailable. */
export type FactEmbedder = (texts: string[]) => Promise<Float32Array[] | undefined>;

/**
 * A stored fact as the cache keeps it: raw confidence plus the int8 embedding codes (never decoded to floats).
 */
export interface FactRecord {
  id: string;
  scope: string;
  userId: number;
  chatId: number;
  text: string;
  category: FactCategory;
  confidence: number;
  source: FactSource;
  createdAt: number;
  confirmedAt: number;
  deletedAt: number | undefined;
  codes: Int8Array | undefined;
  /** L2 norm of `codes` (0 without an embedding); cosine(q, codes × scale) = dot(q, codes) / (|q| × norm). */
  norm: number;
}
