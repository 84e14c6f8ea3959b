import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/index.ts';
import { placementChanges } from '../../src/projections/index.ts';

let position = 0n;
const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  eventId: `e${position}`,
  streamId: `room-${String(data.roomId)}`,
  type,
  data,
  metadata: {},
  revision: position,
  position: position++,
  recordedAt: new Date(0),
});

describe('placement changes', () => {
  it('says where each member a batch moved ends up, once each, from main streams only', () => {
    const changes = placementChanges([
      event('ListenerAdmitted', { roomId: 'show', userId: 'ann' }),
      event('ListenerRedirectedToOverflow', { roomId: 'show', userId: 'bob', overflowRoomId: 'show.overflow-1' }),
      // The overflow room's own stream mirrors bob's seat: not a second change.
      event('ListenerAdmitted', { roomId: 'show.overflow-1', userId: 'bob' }),
      event('SpeakerInviteAccepted', { roomId: 'show', userId: 'bob', fromRoomId: 'show.overflow-1' }),
      event('ListenerLeft', { roomId: 'show', userId: 'ann', fromRoomId: 'show' }),
      event('SpeakerMovedToAudience', { roomId: 'show', userId: 'cid', by: 'mod' }),
      event('HandRaised', { roomId: 'show', userId: 'dee' }),
    ]);
    expect(changes).toEqual([
      { familyId: 'show', userId: 'ann', placement: null },
      { familyId: 'show', userId: 'bob', placement: { roomId: 'show', role: 'speaker' } },
      { familyId: 'show', userId: 'cid', placement: null },
    ]);
  });
});
