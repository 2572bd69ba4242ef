-- The database's own guard against selling a showtime beyond its capacity, made cheap. It was a plpgsql trigger run
-- twice for every showtime row of every batch (before the insert, and again before the update of an upsert), each run
-- looking the capacity up: about a fifth of the consumer's batch statement (docs/benchmarks.md, issue 12). Now each row
-- carries its showtime's capacity and a check constraint compares: the row's (showtime_id, capacity) must be a
-- showtime's, so the copy is the real capacity, and a change of a showtime's capacity is carried over (and refused
-- when fewer seats than are sold would remain). The consumer writes the column from the rollup's declaration
-- (ReelMetrics.Contracts/Rollups/Rollups.cs).
alter table showtime_sales add column capacity integer;
update showtime_sales s set capacity = st.capacity from showtimes st where st.showtime_id = s.showtime_id;
alter table showtime_sales alter column capacity set not null;

alter table showtimes add constraint showtimes_showtime_id_capacity_key unique (showtime_id, capacity);
alter table showtime_sales drop constraint showtime_sales_showtime_id_fkey;
alter table showtime_sales add constraint showtime_sales_showtime_capacity_fkey
    foreign key (showtime_id, capacity) references showtimes (showtime_id, capacity) on update cascade;
alter table showtime_sales add constraint showtime_sales_within_capacity check (tickets_sold <= capacity);

drop trigger showtime_sales_within_capacity on showtime_sales;
drop function showtime_sales_within_capacity();
