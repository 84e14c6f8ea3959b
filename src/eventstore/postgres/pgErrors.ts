import { EventStoreUnavailableError } from '../errors.ts';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/*
 * SQLSTATE classes that mean "the server, not your request": 08 connection
 * exception, 57P0x shutting down or starting up, 53 out of resources (too
 * many connections), plus pg's own connection errors, which carry no code.
 */
const isServerAway = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|connect ECONNREFUSED/i.test(
    error.message,
  );
};

/** Turns "PostgreSQL is not there" into the port's unavailable error; other errors pass through. */
export const translateAway = (
  error: unknown,
  where: string,
  /** `'unknown'`: the connection went during an append, which may or may not have committed. */
  written: 'nothing' | 'unknown',
): unknown => {
  if (!isServerAway(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const outcome =
    written === 'unknown'
      ? 'the append may or may not have been written: read the stream before deciding again'
      : 'nothing was written';
  return new EventStoreUnavailableError(
    `PostgreSQL at ${where} is not answering (${reason}); ${outcome}. It is retried by itself when the server returns.`,
    { cause: error },
  );
};
