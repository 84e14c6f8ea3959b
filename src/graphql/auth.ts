import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignJWT, createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ROLES, type Role, type Viewer } from './context.ts';

export interface AuthConfig {
  /** HS256 secret; ignored when `jwksUrl` is set. */
  readonly secret: string;
  /** Verify RS/ES tokens against this JWKS instead of a shared secret. */
  readonly jwksUrl?: string;
  readonly issuer?: string;
}

export class InvalidTokenError extends Error {
  readonly code = 'UNAUTHENTICATED';
}

const toViewer = (payload: JWTPayload): Viewer => {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0)
    throw new InvalidTokenError('The token has no subject (sub).');
  const claimed = Array.isArray(payload.roles) ? (payload.roles as unknown[]) : [];
  const roles = claimed.filter((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r));
  return { userId: payload.sub, roles };
};

/** Verifies bearer tokens: HS256 with the configured secret, or a JWKS; a token must expire (`exp`). */
export const createTokenVerifier = (config: AuthConfig) => {
  // Imported once: given the raw secret, jose imports it again for every token it verifies.
  let key: Promise<CryptoKey> | undefined;
  const hmacKey = () =>
    (key ??= crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(config.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    ));
  const jwks = config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : undefined;
  const quick = jwks ? undefined : quickHs256(config.secret, config.issuer);
  return async (token: string): Promise<Viewer> => {
    const payload = quick?.(token);
    if (payload) return toViewer(payload);
    try {
      const { payload } = jwks
        ? await jwtVerify(token, jwks, { issuer: config.issuer, requiredClaims: ['exp'] })
        : await jwtVerify(token, await hmacKey(), {
            algorithms: ['HS256'],
            issuer: config.issuer,
            requiredClaims: ['exp'],
          });
      return toViewer(payload);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      throw new InvalidTokenError(
        `The bearer token is not valid (${error instanceof Error ? error.message : String(error)}); get a new one.`,
      );
    }
  };
};

/**
 * HS256 verification on node:crypto, synchronous: WebCrypto's asynchronous
 * HMAC was a quarter of a join's time over HTTP (docs/PERFORMANCE.md). It
 * accepts only what jose would: header exactly HS256 (no `crit`, no `b64`),
 * a signature that matches (compared in constant time), `exp` in the future,
 * `nbf` not, the issuer when one is configured. Anything else returns
 * undefined and goes to jose, which says what is wrong, so every refusal has
 * jose's wording and this path never widens what is accepted.
 */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const quickHs256 = (secret: string, issuer: string | undefined) => {
  const key = Buffer.from(secret, 'utf8');
  const json = (part: string): unknown => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  };
  return (token: string): JWTPayload | undefined => {
    const [header, body, signature, extra] = token.split('.');
    if (header === undefined || body === undefined || signature === undefined || extra !== undefined) return undefined;
    if (!BASE64URL.test(header) || !BASE64URL.test(body) || !BASE64URL.test(signature)) return undefined;
    const protectedHeader = json(header) as Record<string, unknown> | undefined;
    if (typeof protectedHeader !== 'object' || protectedHeader === null) return undefined;
    if (protectedHeader.alg !== 'HS256' || 'crit' in protectedHeader || 'b64' in protectedHeader) return undefined;
    const expected = createHmac('sha256', key).update(`${header}.${body}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const payload = json(body) as JWTPayload | undefined;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || payload.exp <= now) return undefined;
    if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now)) return undefined;
    if (payload.iat !== undefined && typeof payload.iat !== 'number') return undefined;
    if (issuer !== undefined && payload.iss !== issuer) return undefined;
    return payload;
  };
};

/** Reads "Bearer <token>" (header or connection param); undefined when absent. */
export const bearerToken = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  return match?.[1];
};

/** Signs a development token: `spillway token --user alice --role producer`. */
export const signToken = async (
  secret: string,
  userId: string,
  roles: readonly Role[],
  expiresIn = '12h',
): Promise<string> =>
  new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
