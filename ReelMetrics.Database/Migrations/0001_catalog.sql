-- The chain: theaters, their screens, the movies they show and the showtimes that sell tickets.
create table theaters (
    theater_id  integer primary key,
    name        text    not null unique,
    city        text    not null,
    time_zone   text    not null  -- IANA zone; business dates are local to the theater
);

create table screens (
    screen_id   integer primary key,
    theater_id  integer not null references theaters,
    name        text    not null,
    capacity    integer not null check (capacity > 0),
    format      text    not null check (format in ('standard', 'imax', 'dolby', '3d')),
    unique (theater_id, name)
);
create index screens_theater on screens (theater_id);

create table movies (
    movie_id        integer primary key,
    title           text    not null unique,
    genre           text    not null,
    rating          text    not null,
    runtime_minutes integer not null check (runtime_minutes > 0),
    release_date    date    not null,
    popularity      real    not null check (popularity > 0)  -- relative demand, used by the generator
);

create table showtimes (
    showtime_id   bigint        primary key,
    theater_id    integer       not null references theaters,
    screen_id     integer       not null references screens,
    movie_id      integer       not null references movies,
    starts_at     timestamp     not null,  -- local time at the theater
    business_date date          not null,
    capacity      integer       not null check (capacity > 0),
    base_price    numeric(8, 2) not null check (base_price > 0),
    unique (screen_id, starts_at)
);
create index showtimes_theater_date on showtimes (theater_id, business_date);
create index showtimes_date on showtimes (business_date);
