import type { SignedInUser } from '../auth/roles';

/** Operators and admins handle dead letters (the APIs' `Operator` policy); viewers do not see the console. */
export function canHandleDeadLetters(user: SignedInUser | undefined): boolean {
  return user?.roles.some((role) => role === 'operator' || role === 'admin') ?? false;
}
