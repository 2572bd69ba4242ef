-- Dead letters become work an operator can finish (docs/api.md, "Dead letters"): each is dead, replay_requested
-- (an operator asked for it to be sent through the normal path again), replayed (it became the sale event_id) or
-- discarded (with a note; kept for audit, never deleted). A replay that fails again puts it back to dead with the
-- new reason and detail, and counts the attempt.
alter table dead_letters
    add column state           text        not null default 'dead'
        check (state in ('dead', 'replay_requested', 'replayed', 'discarded')),
    -- The theater the payload names (theater_id of a JSON object), when it can be read: lets operators filter by it.
    add column theater_id      integer,
    -- The broker timestamp of the message (ms since 1970; null for letters stored before this migration). A replay
    -- needs it: an original-format sale's time of sale is its message's timestamp.
    add column sent_at_ms      bigint,
    -- The sale a replay made (or found already stored): the proof it counts once.
    add column event_id        uuid,
    add column replay_attempts integer     not null default 0,
    -- Who asked for the last replay, or discarded it, and when (the token's name or subject).
    add column requested_by    text,
    add column requested_at    timestamptz,
    -- When the letter reached replayed or discarded, or its last replay failed, and who ended it ("consumer" for replays).
    add column resolved_by     text,
    add column resolved_at     timestamptz,
    add column note            text,
    add constraint dead_letters_replayed_names_its_sale check (state <> 'replayed' or event_id is not null),
    add constraint dead_letters_discarded_says_why check (state <> 'discarded' or note is not null);

-- The consumer polls for requested replays every second: a partial index keeps that free when there are none.
create index dead_letters_replay_requested on dead_letters (dead_letter_id) where state = 'replay_requested';
create index dead_letters_state on dead_letters (state, dead_letter_id);
create index dead_letters_theater on dead_letters (theater_id, dead_letter_id) where theater_id is not null;

-- The theater of the letters stored before, where their payload is a JSON object with an integer theater_id.
-- Row by row: a payload that is not JSON (or not UTF-8) must leave its letter alone, not fail the migration.
do $$
declare
    letter record;
begin
    for letter in select dead_letter_id, payload from dead_letters where length(payload) <= 1048576 loop
        begin
            update dead_letters
            set theater_id = (convert_from(letter.payload, 'UTF8')::jsonb ->> 'theater_id')::integer
            where dead_letter_id = letter.dead_letter_id
              and jsonb_typeof(convert_from(letter.payload, 'UTF8')::jsonb) = 'object';
        exception when others then
            null;
        end;
    end loop;
end
$$;
