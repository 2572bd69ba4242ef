// The dead-letter console's routes (/dead-letters, operators and admins) for the fake backends: a few letters,
// hostile payloads among them, and replay / discard that answer as the real APIs do (docs/api.md "Dead letters").
// A replay is "carried out" at once here (the real consumer takes about a second): the letter becomes replayed.

const STATES = ['dead', 'replay_requested', 'replayed', 'discarded'];
const MAX_IDS = 500;
const MAX_NOTE = 1000;

function seedLetters() {
  const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const base = { topic: 'ticket-sales', partition: 0, preview_truncated: false, replay_attempts: 0 };
  const letters = [
    {
      reason: 'unknown_theater',
      detail: 'no theater with id 31',
      theater_id: 31,
      preview: '{"event_id":"0b7c6f0e-1d2a-4c43-9b1e-3f2f1a7c5d10","theater_id":31,"movie_id":28,"tickets_sold":2}',
    },
    {
      reason: 'unknown_theater',
      detail: "no theater named 'Regal Nowhere'",
      preview: '{"theater_name":"Regal Nowhere","movie_title":"Barbie","sale_date":"2025-03-14","ticket_price":12.5,"tickets_sold":2}',
    },
    { reason: 'invalid_json', detail: "JsonException: '<' is an invalid start of a value.", preview: '<img src=x onerror=alert(1)>' },
    { reason: 'invalid_json', detail: 'JsonException: invalid UTF-8', preview: '{\\xFF\\xFE\\u{0000}}' },
    { reason: 'invalid_tickets', detail: 'tickets_sold must be 1–100, was 0', theater_id: 4, preview: '{"theater_id":4,"tickets_sold":0}' },
  ];
  return letters.map((letter, index) => ({
    id: letters.length - index,
    received_at: at(index * 7 + 3),
    state: 'dead',
    offset: 1000 + index,
    payload_bytes: letter.preview.length,
    ...base,
    ...letter,
  }));
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 65_536) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Returns a handler for /dead-letters requests: `handle(...)` answers and returns true, or returns false for other paths. */
export function createDeadLetters({ send, problem }) {
  const letters = seedLetters();

  const change = (ids, user, next, note) => {
    const results = ids.map((id) => {
      const letter = letters.find((l) => l.id === id);
      if (!letter) return { id, outcome: 'not_found' };
      if (letter.state !== 'dead') return { id, outcome: 'unchanged', state: letter.state };
      const now = new Date().toISOString();
      Object.assign(letter, { requested_by: user.sub, requested_at: now });
      if (next === 'discarded') Object.assign(letter, { state: 'discarded', note, resolved_by: user.sub, resolved_at: now });
      else
        Object.assign(letter, {
          state: 'replayed',
          event_id: crypto.randomUUID(),
          replay_attempts: letter.replay_attempts + 1,
          resolved_by: 'consumer',
          resolved_at: now,
        });
      return {
        id,
        outcome: next === 'discarded' ? 'discarded' : 'replay_requested',
        state: next === 'discarded' ? 'discarded' : 'replay_requested',
      };
    });
    return { changed: results.filter((r) => r.outcome === 'discarded' || r.outcome === 'replay_requested').length, results };
  };

  return async function handle(req, res, url, segments, user) {
    if (segments[0] !== 'dead-letters') return false;
    if (!user.roles.includes('operator') && !user.roles.includes('admin')) {
      problem(res, 403, 'Forbidden', 'Dead letters are for operators.');
      return true;
    }
    if (req.method === 'GET' && segments.length === 1) {
      const q = url.searchParams;
      const state = q.get('state');
      if (state && !STATES.includes(state)) return (problem(res, 400, 'Invalid state'), true);
      const limit = Number(q.get('limit') || 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) return (problem(res, 400, 'Invalid limit'), true);
      const before = Number(q.get('before') || Infinity);
      const from = q.get('from') ? Date.parse(q.get('from')) : -Infinity;
      const to = q.get('to') ? Date.parse(q.get('to')) : Infinity;
      const matching = letters.filter(
        (l) =>
          (!q.get('reason') || l.reason === q.get('reason')) &&
          (!state || l.state === state) &&
          (!q.get('theater_id') || String(l.theater_id) === q.get('theater_id')) &&
          Date.parse(l.received_at) >= from &&
          Date.parse(l.received_at) < to &&
          l.id < before,
      );
      const items = matching.slice(0, limit);
      send(res, 200, matching.length > limit ? { items, next_before: items.at(-1).id } : { items });
      return true;
    }
    if (req.method === 'GET' && segments[1] === 'reasons' && segments.length === 2) {
      const counts = new Map();
      for (const l of letters) counts.set(`${l.reason}|${l.state}`, (counts.get(`${l.reason}|${l.state}`) ?? 0) + 1);
      send(
        res,
        200,
        [...counts].sort().map(([key, count]) => ({ reason: key.split('|')[0], state: key.split('|')[1], count })),
      );
      return true;
    }
    if (req.method === 'GET' && segments.length === 2) {
      const letter = /^\d+$/.test(segments[1]) && letters.find((l) => l.id === Number(segments[1]));
      if (!letter) return (problem(res, 404, 'Dead letter not found'), true);
      send(res, 200, {
        letter,
        message_id: '8d0f5a52-3b55-8c1e-9a51-6f0e2b7d4c11',
        payload_text: letter.preview,
        payload_text_truncated: false,
        payload_hex: '',
      });
      return true;
    }
    if (req.method === 'POST' && (segments[1] === 'replay' || segments[1] === 'discard') && segments.length === 2) {
      const body = await readBody(req);
      const ids = body?.ids;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS || !ids.every((id) => Number.isInteger(id) && id > 0)) {
        problem(res, 400, 'Invalid ids', `ids must name 1–${MAX_IDS} dead letters.`);
        return true;
      }
      if (segments[1] === 'discard') {
        const note = typeof body.note === 'string' ? body.note.trim() : '';
        if (!note || note.length > MAX_NOTE) return (problem(res, 400, 'Invalid note', 'A discard needs a note saying why.'), true);
        send(res, 200, change([...new Set(ids)], user, 'discarded', note));
      } else {
        send(res, 200, change([...new Set(ids)], user, 'replayed'));
      }
      return true;
    }
    problem(res, 404, 'Not found');
    return true;
  };
}
