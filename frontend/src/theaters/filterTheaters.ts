import type { Theater } from '../api/types';

/** Theaters whose name or city contains every word of the query (case- and accent-insensitive). */
export function filterTheaters(theaters: Theater[], query: string): Theater[] {
  const normalize = (text: string) =>
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
  const words = normalize(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return theaters;
  return theaters.filter((theater) => {
    const haystack = normalize(`${theater.name} ${theater.city}`);
    return words.every((word) => haystack.includes(word));
  });
}
