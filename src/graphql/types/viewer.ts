import { builder } from '../builder.ts';
import type { Viewer } from '../context.ts';

export const RoleEnum = builder.enumType('Role', {
  description: 'What a token allows (see the README for the whole table).',
  values: {
    listener: { description: 'Joins rooms, raises hands, takes the stage; opens rooms within the instance limits.' },
    producer: { description: 'All a listener may; opens rooms of any size, schedules sessions, reads history.' },
    analyst: { description: 'Reads history, replays and analytics; changes nothing.' },
  } as const,
});

export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who the bearer token says the caller is.',
  fields: (t) => ({
    id: t.exposeID('userId', { description: "The token's subject (sub): the user id." }),
    roles: t.field({
      type: [RoleEnum],
      description: 'The roles the token grants.',
      resolve: (viewer) => [...viewer.roles],
    }),
  }),
});
