import type { ApiContext, Role, Viewer } from './context.ts';
import { apiError, forbidden, unauthenticated } from './errors.ts';

/** The signed-in viewer, or UNAUTHENTICATED. */
export const requireViewer = (context: ApiContext): Viewer => {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
};

/** The viewer holding one of `roles` (from the token), or FORBIDDEN. */
export const requireRole = (context: ApiContext, what: string, ...roles: Role[]): Viewer => {
  const viewer = requireViewer(context);
  if (!roles.some((role) => viewer.roles.includes(role))) throw forbidden(what, `the role ${roles.join(' or ')}`);
  return viewer;
};

/** Spends one of the viewer's mutation tokens, or RATE_LIMITED. */
export const spendRateLimit = (context: ApiContext, viewer: Viewer): void => {
  if (!context.services.rateLimiter.take(viewer.userId)) {
    throw apiError(
      'RATE_LIMITED',
      `Too many changes from ${viewer.userId} at once; slow down and try again in a second.`,
    );
  }
};
