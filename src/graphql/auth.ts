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
  return async (token: string): Promise<Viewer> => {
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
