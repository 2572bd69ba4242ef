/**
 * Types of the dead-letter console's routes (`/dead-letters`, docs/api.md "Dead letters"), written by hand until
 * they are generated from the OpenAPI document with the others.
 */

export const DEAD_LETTER_STATES = ['dead', 'replay_requested', 'replayed', 'discarded'] as const;
export type DeadLetterState = (typeof DEAD_LETTER_STATES)[number];

export interface DeadLetterSummary {
  id: number;
  received_at: string;
  reason: string;
  detail: string;
  state: DeadLetterState;
  theater_id?: number;
  topic: string;
  partition: number;
  offset: number;
  message_key?: string;
  payload_bytes: number;
  /** The payload's first characters, unsafe ones escaped: text, never HTML. */
  preview: string;
  preview_truncated: boolean;
  event_id?: string;
  replay_attempts: number;
  requested_by?: string;
  requested_at?: string;
  resolved_by?: string;
  resolved_at?: string;
  note?: string;
}

export interface DeadLetterPage {
  items: DeadLetterSummary[];
  /** Pass as `before` for the next page; absent on the last. */
  next_before?: number;
}

export interface DeadLetterReasonCount {
  reason: string;
  state: DeadLetterState;
  count: number;
}

export type DeadLetterOutcome = 'replay_requested' | 'discarded' | 'unchanged' | 'not_found';

export interface DeadLetterActionResult {
  id: number;
  outcome: DeadLetterOutcome;
  state?: DeadLetterState;
}

export interface DeadLetterActionAnswer {
  changed: number;
  results: DeadLetterActionResult[];
}

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
