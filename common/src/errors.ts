import { GraphQLError } from 'graphql';

/** Stable error codes that clients may switch on (extensions.code). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'CONFLICT'
  | 'UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export function userError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** A rejected input value: names the field, the value and why. */
export function invalidInput(field: string, value: unknown, reason: string): GraphQLError {
  return userError('BAD_USER_INPUT', `${field} ${JSON.stringify(value)} is invalid: ${reason}`, {
    field,
    value,
    reason,
  });
}
