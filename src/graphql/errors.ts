import { GraphQLError } from 'graphql';
import { ConcurrencyConflictError } from '../commands/index.ts';
import { DomainError, type DomainErrorCode } from '../domain/index.ts';

/** The API's stable error codes, in `extensions.code`. */
export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'CONFLICT'
  | 'ROOM_FULL'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'STORE_UNAVAILABLE'
  | Exclude<
      DomainErrorCode,
      | 'ROOM_NOT_FOUND'
      | 'NOT_A_MODERATOR'
      | 'INVALID_COMMAND'
      | 'TRANSITION_REFUSED'
      | 'SESSION_NOT_FOUND'
      | 'SESSION_ALREADY_EXISTS'
      | 'SESSION_CANCELLED'
      | 'SESSION_ALREADY_OPENED'
      | 'NOT_THE_SESSION_PRODUCER'
    >;

export const apiError = (code: ApiErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError =>
  new GraphQLError(message, { extensions: { code, ...extra } });

export const unauthenticated = (): GraphQLError =>
  apiError(
    'UNAUTHENTICATED',
    'Sign in first: send "Authorization: Bearer <token>" (spillway token --user NAME --role ROLE prints one).',
  );

export const forbidden = (what: string, needs: string): GraphQLError =>
  apiError('FORBIDDEN', `You may not ${what}: it needs ${needs}.`);

const fromDomain: Partial<Record<DomainErrorCode, ApiErrorCode>> = {
  ROOM_NOT_FOUND: 'NOT_FOUND',
  SESSION_NOT_FOUND: 'NOT_FOUND',
  SESSION_ALREADY_EXISTS: 'CONFLICT',
  SESSION_CANCELLED: 'CONFLICT',
  SESSION_ALREADY_OPENED: 'CONFLICT',
  NOT_THE_SESSION_PRODUCER: 'FORBIDDEN',
  NOT_A_MODERATOR: 'FORBIDDEN',
  INVALID_COMMAND: 'INVALID_INPUT',
  TRANSITION_REFUSED: 'CONFLICT',
};

/**
 * Turns what the command path threw into a GraphQL error with a stable code
 * and the domain's own sentence; anything else is left for yoga to mask.
 */
export const toGraphQLError = (error: unknown): unknown => {
  if (error instanceof DomainError) {
    const code = fromDomain[error.code] ?? (error.code as ApiErrorCode);
    return apiError(code, error.message, { domainCode: error.code });
  }
  if (error instanceof ConcurrencyConflictError) {
    return apiError('CONFLICT', error.message);
  }
  // The log (PostgreSQL, EventStoreDB) is away: the caller may retry; where the server is stays in the logs.
  if (error instanceof Error && 'code' in error && error.code === 'EVENT_STORE_UNAVAILABLE') {
    return apiError(
      'STORE_UNAVAILABLE',
      'The event log is not answering right now; this command may not have been recorded: try again in a few seconds.',
    );
  }
  return error;
};
