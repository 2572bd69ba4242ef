import type { components } from '../api/schema';

// Types of the dead-letter console's routes (`/dead-letters`, docs/api.md "Dead letters"), generated from the OpenAPI
// document (src/api/schema.d.ts). The document types `state` and `outcome` as strings; the contract allows only the
// values below, so those fields are narrowed here.

type Schemas = components['schemas'];

export const DEAD_LETTER_STATES = ['dead', 'replay_requested', 'replayed', 'discarded'] as const;
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number];

/** One letter; `preview` is the payload's first characters, unsafe ones escaped: text, never HTML. */
export type DeadLetterSummary = Omit<Schemas['DeadLetterSummary'], 'state'> & { state: DeadLetterState };

/** A page of letters; pass `next_before` as `before` for the next page (absent on the last). */
export type DeadLetterPage = Omit<Schemas['DeadLetterPage'], 'items'> & { items: DeadLetterSummary[] };

export type DeadLetterReasonCount = Omit<Schemas['DeadLetterReasonCount'], 'state'> & { state: DeadLetterState };

export type DeadLetterOutcome = 'replay_requested' | 'discarded' | 'unchanged' | 'not_found';

export type DeadLetterActionResult = Omit<Schemas['DeadLetterActionResult'], 'outcome' | 'state'> & {
  outcome: DeadLetterOutcome;
  state?: DeadLetterState | null;
};

export type DeadLetterActionAnswer = Omit<Schemas['DeadLetterActionAnswer'], 'results'> & { results: DeadLetterActionResult[] };

export interface DeadLetterFilters {
  reason?: string;
  state?: string;
  theater_id?: string;
  /** ISO 8601 instants (or dates). */
  from?: string;
  to?: string;
}

/** Most letters one replay or discard may name (the API refuses more). */
export const MAX_IDS = 500;
/** Longest note a discard may carry. */
export const MAX_NOTE_LENGTH = 1000;
