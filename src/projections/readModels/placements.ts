import { familyRootOf, type RoomEvent } from '../../domain/index.ts';
import type { RecordedEvent } from '../../eventstore/index.ts';
import type { DocumentProjection } from '../types.ts';

/** Where a member of a room family is: the room (main or overflow) and as what. */
export interface Placement {
  readonly roomId: string;
  readonly role: 'listener' | 'speaker';
}

export const placementKey = (familyId: string, userId: string): string => `${familyId}\n${userId}`;

/**
 * Every member's placement in their room family, as the family's main stream
 * decided it (the roster the command path keeps, as a read model): what the
 * media plane checks each signaling call against. A member who left, or
 * moved off the stage and is not yet seated, has none. Documents of a family
 * stay after it ends; its room's state says it ended.
 */
export const placementsProjection: DocumentProjection<Placement> = {
  name: 'placements',
  version: 1,
  perStream: true,
  handles: new Set([
    'RoomOpened',
    'ListenerAdmitted',
    'ListenerRedirectedToOverflow',
    'ListenerLeft',
    'SpeakerInviteAccepted',
    'HeadlinerArrived',
    'SpeakerMovedToAudience',
    'SpeakerLeft',
  ]),
  evolve(recorded): Array<readonly [string, Placement | null]> {
    const event = { type: recorded.type, data: recorded.data } as RoomEvent;
    const familyId = event.data.roomId;
    // An overflow room's own stream mirrors what its main stream already said.
    if (familyRootOf(familyId) !== familyId) return [];
    switch (event.type) {
      case 'RoomOpened':
        return event.data.by === null || event.data.parentRoomId !== null
          ? []
          : [[placementKey(familyId, event.data.by), { roomId: familyId, role: 'speaker' }]];
      case 'ListenerAdmitted':
        return [[placementKey(familyId, event.data.userId), { roomId: familyId, role: 'listener' }]];
      case 'ListenerRedirectedToOverflow':
        return [[placementKey(familyId, event.data.userId), { roomId: event.data.overflowRoomId, role: 'listener' }]];
      case 'SpeakerInviteAccepted':
      case 'HeadlinerArrived':
        return [[placementKey(familyId, event.data.userId), { roomId: familyId, role: 'speaker' }]];
      case 'ListenerLeft':
      case 'SpeakerMovedToAudience':
      case 'SpeakerLeft':
        return [[placementKey(familyId, event.data.userId), null]];
      default:
        return [];
    }
  },
};

/** Events that take a member from where they were: a join only seats someone who had no place (or just lost it). */
const MOVES = new Set([
  'ListenerLeft',
  'SpeakerInviteAccepted',
  'HeadlinerArrived',
  'SpeakerMovedToAudience',
  'SpeakerLeft',
]);

/**
 * The members a batch of the log took from where they were (left, on or off
 * the stage), once each: what a reactor re-checks their media against,
 * after the batch is in the read models. A surge of joins yields nothing.
 */
export const placementChanges = (events: readonly RecordedEvent[]): Array<{ familyId: string; userId: string }> => {
  const changed = new Map<string, { familyId: string; userId: string }>();
  for (const event of events) {
    if (!MOVES.has(event.type)) continue;
    const { roomId: familyId, userId } = event.data as { roomId: string; userId: string };
    if (familyRootOf(familyId) === familyId) changed.set(placementKey(familyId, userId), { familyId, userId });
  }
  return [...changed.values()];
};
