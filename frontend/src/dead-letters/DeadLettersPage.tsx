import { useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { describeError } from '../api/describeError';
import { useAuth } from '../auth/context';
import { useBackend } from '../backend/context';
import { Card } from '../components/Card';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { TableScroll } from '../components/TableScroll';
import { useApiResource } from '../hooks/useApiResource';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { deadLettersApi } from './api';
import {
  DEAD_LETTER_STATES,
  MAX_IDS,
  MAX_NOTE_LENGTH,
  type DeadLetterActionAnswer,
  type DeadLetterFilters,
  type DeadLetterSummary,
} from './types';

const FILTER_KEYS = ['reason', 'state', 'theater_id', 'from', 'to'] as const;
const STATE_LABELS: Record<string, string> = {
  dead: 'Dead',
  replay_requested: 'Replay requested',
  replayed: 'Replayed',
  discarded: 'Discarded',
};
const OUTCOME_LABELS: Record<string, string> = {
  replay_requested: 'replay requested',
  discarded: 'discarded',
  unchanged: 'unchanged',
  not_found: 'not found',
};

/** A `datetime-local` value (the browser's zone) as an ISO instant; a date stays a date. */
function toInstant(value: string): string {
  if (!value.includes('T')) return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'medium' });
}

/**
 * The dead-letter console (`/dead-letters`, operators and admins): why sales were refused, a safe preview of each
 * payload (text in a `<pre>`, never parsed as HTML), and bulk replay or discard with a note.
 */
export function DeadLettersPage() {
  useDocumentTitle('Dead letters');
  const { session } = useAuth();
  const { backend } = useBackend();
  const api = useMemo(() => deadLettersApi(backend, session), [backend, session]);
  const [params, setParams] = useSearchParams();
  const filters: DeadLetterFilters = Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) ?? undefined]));
  const filterKey = FILTER_KEYS.map((key) => params.get(key) ?? '').join('|');
  const [before, setBefore] = useState<{ for: string; ids: (number | undefined)[] }>({ for: filterKey, ids: [undefined] });
  const pageStarts = before.for === filterKey ? before.ids : [undefined];
  const pageStart = pageStarts.at(-1);
  const [reloads, setReloads] = useState(0);

  const letters = useApiResource(`dead-letters|${filterKey}|${pageStart ?? ''}|${reloads}`, (_, signal) =>
    api.list(filters, pageStart, signal),
  );
  const reasons = useApiResource(`dead-letter-reasons|${reloads}`, (_, signal) => api.reasons(signal));

  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [answer, setAnswer] = useState<{ action: string; result: DeadLetterActionAnswer } | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [discarding, setDiscarding] = useState(false);
  const [note, setNote] = useState('');

  const items = letters.data?.items ?? [];
  const visibleSelected = items.filter((letter) => selected.has(letter.id)).map((letter) => letter.id);
  const allSelected = items.length > 0 && visibleSelected.length === items.length;

  const toggle = (id: number) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleAll = () => setSelected(allSelected ? new Set() : new Set(items.map((letter) => letter.id)));

  const applyFilters = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of FILTER_KEYS) {
      const raw = String(form.get(key) ?? '').trim();
      const value = key === 'from' || key === 'to' ? toInstant(raw) : raw;
      if (value) next.set(key, value);
    }
    setSelected(new Set());
    setParams(next);
  };

  const act = async (action: 'replay' | 'discard') => {
    const ids = visibleSelected.slice(0, MAX_IDS);
    if (ids.length === 0) return;
    setBusy(true);
    setActionError(undefined);
    try {
      const result = action === 'replay' ? await api.replay(ids) : await api.discard(ids, note.trim());
      setAnswer({ action: action === 'replay' ? 'Replay' : 'Discard', result });
      setSelected(new Set());
      setDiscarding(false);
      setNote('');
      setReloads((n) => n + 1);
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const reasonOptions = [...new Set((reasons.data ?? []).map((count) => count.reason))].sort();
  const deadCount = (reasons.data ?? []).filter((count) => count.state === 'dead').reduce((sum, count) => sum + count.count, 0);

  return (
    <div className="page" data-testid="dead-letters-page">
      <div className="page__heading">
        <div>
          <h1 className="page__title">Dead letters</h1>
          <p className="page__subtitle">
            Messages the pipeline could not use, and why. Fix the cause (say, add a missing theater to the catalog), then replay them: each
            becomes a sale once, however often it is replayed.
            {reasons.data && (
              <>
                {' '}
                <strong data-testid="dead-letters-dead-count">{deadCount}</strong> waiting.
              </>
            )}
          </p>
        </div>
      </div>

      <form className="card toolbar" onSubmit={applyFilters} aria-label="Filter dead letters" key={filterKey}>
        <label className="field">
          <span className="field__label">Reason</span>
          <select name="reason" className="input" defaultValue={filters.reason ?? ''} data-testid="filter-reason">
            <option value="">Any reason</option>
            {[...new Set([...reasonOptions, ...(filters.reason ? [filters.reason] : [])])].map((reason) => (
              <option key={reason} value={reason}>
                {reason}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">State</span>
          <select name="state" className="input" defaultValue={filters.state ?? ''} data-testid="filter-state">
            <option value="">Any state</option>
            {DEAD_LETTER_STATES.map((state) => (
              <option key={state} value={state}>
                {STATE_LABELS[state]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Theater id</span>
          <input
            name="theater_id"
            className="input"
            inputMode="numeric"
            pattern="[0-9]*"
            defaultValue={filters.theater_id ?? ''}
            data-testid="filter-theater"
          />
        </label>
        <label className="field">
          <span className="field__label">Received from</span>
          <input name="from" type="datetime-local" className="input" data-testid="filter-from" />
        </label>
        <label className="field">
          <span className="field__label">Received before</span>
          <input name="to" type="datetime-local" className="input" data-testid="filter-to" />
        </label>
        <div className="toolbar__buttons">
          <button type="submit" className="button button--primary" data-testid="filter-apply">
            Show
          </button>
        </div>
      </form>

      {answer && (
        <div className="state" role="status" data-testid="action-result">
          <span>
            {answer.action}: {answer.result.changed} of {answer.result.results.length} changed.{' '}
            {answer.result.results
              .filter((result) => result.outcome === 'unchanged' || result.outcome === 'not_found')
              .map(
                (result) =>
                  `#${result.id} ${OUTCOME_LABELS[result.outcome]}${result.state ? ` (${STATE_LABELS[result.state] ?? result.state})` : ''}`,
              )
              .join(', ')}
          </span>
        </div>
      )}
      {actionError !== undefined && (
        <div className="state state--error" role="alert" data-testid="action-error">
          {describeError(actionError)}
        </div>
      )}

      <Card title="Letters" testId="dead-letters-card">
        <div className="toolbar" aria-label="Selected letters">
          <span className="toolbar__count" data-testid="selected-count">
            {visibleSelected.length} selected
          </span>
          <div className="toolbar__buttons">
            <button
              type="button"
              className="button button--primary"
              disabled={busy || visibleSelected.length === 0}
              onClick={() => void act('replay')}
              data-testid="replay"
            >
              Replay
            </button>
            <button
              type="button"
              className="button"
              disabled={busy || visibleSelected.length === 0}
              onClick={() => setDiscarding(true)}
              data-testid="discard"
            >
              Discard…
            </button>
          </div>
        </div>
        {discarding && (
          <form
            className="toolbar"
            role="dialog"
            aria-label="Discard with a note"
            data-testid="discard-dialog"
            onSubmit={(event) => {
              event.preventDefault();
              void act('discard');
            }}
          >
            <label className="field">
              <span className="field__label">Why discard {visibleSelected.length} letter(s)? Kept with them for audit.</span>
              <textarea
                className="input"
                required
                maxLength={MAX_NOTE_LENGTH}
                value={note}
                onChange={(event) => setNote(event.target.value)}
                data-testid="discard-note"
              />
            </label>
            <div className="toolbar__buttons">
              <button type="submit" className="button button--primary" disabled={busy || note.trim() === ''} data-testid="discard-confirm">
                Discard
              </button>
              <button type="button" className="button" onClick={() => setDiscarding(false)}>
                Cancel
              </button>
            </div>
          </form>
        )}
        {letters.loading && <LoadingState label="Loading dead letters…" />}
        {letters.error !== undefined && <ErrorState error={letters.error} onRetry={letters.reload} />}
        {letters.data && items.length === 0 && <EmptyState testId="dead-letters-empty">No dead letters match.</EmptyState>}
        {items.length > 0 && (
          <TableScroll label="Dead letters" tall>
            <table className="table" data-testid="dead-letters-table">
              <caption className="sr-only">Dead letters, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select all letters shown"
                      checked={allSelected}
                      onChange={toggleAll}
                      data-testid="select-all"
                    />
                  </th>
                  <th scope="col">Received</th>
                  <th scope="col">Reason</th>
                  <th scope="col">State</th>
                  <th scope="col">Theater</th>
                  <th scope="col">Payload</th>
                </tr>
              </thead>
              <tbody>
                {items.map((letter) => (
                  <LetterRow key={letter.id} letter={letter} selected={selected.has(letter.id)} onToggle={() => toggle(letter.id)} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        <div className="toolbar__buttons">
          {pageStarts.length > 1 && (
            <button type="button" className="button" onClick={() => setBefore({ for: filterKey, ids: pageStarts.slice(0, -1) })}>
              Newer
            </button>
          )}
          {letters.data?.next_before != null && (
            <button
              type="button"
              className="button"
              data-testid="older"
              onClick={() => setBefore({ for: filterKey, ids: [...pageStarts, letters.data?.next_before ?? undefined] })}
            >
              Older
            </button>
          )}
        </div>
      </Card>
    </div>
  );
}

function LetterRow({ letter, selected, onToggle }: { letter: DeadLetterSummary; selected: boolean; onToggle: () => void }) {
  return (
    <tr data-testid="dead-letter-row" data-id={letter.id}>
      <td>
        <input
          type="checkbox"
          aria-label={`Select letter ${letter.id}`}
          checked={selected}
          onChange={onToggle}
          data-testid="select-letter"
        />
      </td>
      <td>
        <time dateTime={letter.received_at}>{formatTime(letter.received_at)}</time>
        <div className="muted">#{letter.id}</div>
      </td>
      <td>
        <strong data-testid="letter-reason">{letter.reason}</strong>
        <div data-testid="letter-detail">{letter.detail}</div>
      </td>
      <td data-testid="letter-state">
        {STATE_LABELS[letter.state] ?? letter.state}
        {letter.event_id && <div className="muted">sale {letter.event_id}</div>}
        {letter.replay_attempts > 0 && <div className="muted">{letter.replay_attempts} replay(s)</div>}
        {letter.requested_by && (
          <div className="muted">
            by {letter.requested_by} {formatTime(letter.requested_at ?? undefined)}
          </div>
        )}
        {letter.note && <div data-testid="letter-note">“{letter.note}”</div>}
      </td>
      <td>{letter.theater_id ?? '—'}</td>
      <td>
        {/* A text node in a <pre>: whatever the payload holds, it is shown, never interpreted. */}
        <pre className="payload-preview" data-testid="letter-preview">
          {letter.preview}
          {letter.preview_truncated ? '…' : ''}
        </pre>
        <div className="muted">{letter.payload_bytes} bytes</div>
      </td>
    </tr>
  );
}
