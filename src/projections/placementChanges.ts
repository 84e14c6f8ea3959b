import { familyRootOf, type RoomEvent } from '../domain/index.ts';
import type { RecordedEvent } from '../eventstore/index.ts';

/** Where a member of a room family is: the room (main or overflow) and as what. */
export interface Placement {
  readonly roomId: string;
  readonly role: 'listener' | 'speaker';
}

/** Where a member is after a batch of the log: null when nowhere (left, or off the stage and not yet seated). */
export interface PlacementChange {
  readonly familyId: string;
  readonly userId: string;
  readonly placement: Placement | null;
}

/** An event's effect on one member's placement, as the family's main stream records it (its roster's rule). */
const placementAfter = (event: RoomEvent): PlacementChange | undefined => {
  const familyId = event.data.roomId;
  switch (event.type) {
    case 'ListenerAdmitted':
      return { familyId, userId: event.data.userId, placement: { roomId: familyId, role: 'listener' } };
    case 'ListenerRedirectedToOverflow':
      return {
        familyId,
        userId: event.data.userId,
        placement: { roomId: event.data.overflowRoomId, role: 'listener' },
      };
    case 'SpeakerInviteAccepted':
    case 'HeadlinerArrived':
      return { familyId, userId: event.data.userId, placement: { roomId: familyId, role: 'speaker' } };
    case 'ListenerLeft':
    case 'SpeakerMovedToAudience':
    case 'SpeakerLeft':
      return { familyId, userId: event.data.userId, placement: null };
    default:
      return undefined;
  }
};

/**
 * Where every member a batch of the log seated, moved or let go is after
 * it, once per member. The media plane follows these (a reactor on every
 * committed batch) to know where the users holding media are now and to
 * close what was made for where they no longer are. An overflow room's own
 * stream only mirrors its main stream, so only main streams count.
 */
export const placementChanges = (events: readonly RecordedEvent[]): PlacementChange[] => {
  const last = new Map<string, PlacementChange>();
  for (const recorded of events) {
    const change = placementAfter({ type: recorded.type, data: recorded.data } as RoomEvent);
    if (!change || familyRootOf(change.familyId) !== change.familyId) continue;
    last.set(`${change.familyId}\n${change.userId}`, change);
  }
  return [...last.values()];
};
