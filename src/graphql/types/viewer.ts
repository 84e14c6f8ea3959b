import { builder } from '../builder.ts';
import type { Viewer } from '../context.ts';

export const RoleEnum = builder.enumType('Role', { values: ['listener', 'producer', 'analyst'] as const });

export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  fields: (t) => ({
    id: t.exposeID('userId'),
    roles: t.field({ type: [RoleEnum], resolve: (viewer) => [...viewer.roles] }),
  }),
});
