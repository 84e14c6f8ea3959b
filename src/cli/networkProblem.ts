/** Codes Node and undici give when a server cannot be reached at all. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

interface NetworkFields {
  readonly code?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly hostname?: unknown;
}

/**
 * One line for a server that could not be reached, or undefined when `error`
 * is something else. fetch's TypeError ("fetch failed") wraps the reason in
 * `cause`; other errors keep their own message even when caused by one.
 */
export const networkProblem = (error: unknown): string | undefined => {
  let current: unknown = error;
  const depthLimit = error instanceof TypeError ? 5 : 1;
  for (let depth = 0; current instanceof Error && depth < depthLimit; depth += 1) {
    const { code, address, port, hostname } = current as Error & NetworkFields;
    if (typeof code === 'string' && UNREACHABLE.has(code)) {
      const host = typeof address === 'string' ? address : typeof hostname === 'string' ? hostname : undefined;
      const where = host === undefined ? 'the server' : typeof port === 'number' ? `${host}:${port}` : host;
      return `could not reach ${where} (${code}): is the server running, and is the URL right?`;
    }
    current = current.cause;
  }
  // fetch refusing before it connects ("bad port", a URL it cannot use) says why in its cause.
  if (error instanceof TypeError && error.message === 'fetch failed' && error.cause instanceof Error)
    return `the request could not be sent: ${error.cause.message}.`;
  return undefined;
};
