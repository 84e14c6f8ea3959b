import type { ApiContext, Role, Viewer } from './context.ts';
import { forbidden, unauthenticated } from './errors.ts';

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
