import type { EndWarmUp, PrewarmRoom } from './commands.ts';
import { invalidCommand, roomEnded } from './errors.ts';
import type { RoomEvent, RoomSettings } from './events.ts';
import { roomStatus, type RoomState } from './room.ts';
import { openOverflowRooms, overflowRoomId, spawnsWithin } from './roomContext.ts';
import { demand, isModerator, mainRoomOnly } from './roomRules.ts';
import { overflowRoomsFor } from './session.ts';
import { recordedSettings, settingsFrom } from './roomSettings.ts';
import { MAX_AUDIENCE, requireActor, requireId, wholeNumber } from './validation.ts';

/** Listeners the k-th room of a family (0: the main room) is expected to hold when `audience` arrives. */
const expectedIn = (k: number, audience: number, capacity: number): number =>
  Math.max(0, Math.min(capacity, audience - k * capacity));

/**
 * Shapes a family for an expected audience ahead of it (PrewarmRoom): a room
 * not yet open opens with its doors closed and the producer as moderator, and
 * the overflow rooms the audience needs beside the open ones are spawned,
 * each `prewarmed` with the listeners it is expected to hold. A room already
 * open (by hand, or by an earlier prewarm) only gets what it lacks, so the
 * command decided twice records nothing the second time. The spawns stop
 * where `maySpawnOverflow` would refuse (the family's overflow limit, the
 * spawn window), asked here because each spawn changes what the next may do.
 */
export const decidePrewarm = (state: RoomState, command: PrewarmRoom): RoomEvent[] => {
  const roomId = requireId('roomId', command.data.roomId);
  const actor = requireActor(command.metadata.actor);
  const { at } = command.metadata;
  const audience = wholeNumber('expectedAudience', command.data.expectedAudience, 0, MAX_AUDIENCE);
  const status = roomStatus(state);
  if (status === 'ended') throw roomEnded(roomId);
  const events: RoomEvent[] = [];
  const context = state.snapshot.context;
  let settings: RoomSettings;
  let open = 0;
  let spawned = 0;
  let recent = 0;
  if (status === 'idle') {
    settings = settingsFrom(command.data);
    events.push({
      type: 'RoomOpened',
      data: {
        roomId,
        ...recordedSettings(settings),
        ...(command.data.mediaGated === true ? { mediaGated: true as const } : {}),
        by: actor,
        parentRoomId: null,
        at,
        prewarmed: true,
        expectedListeners: expectedIn(0, audience, settings.capacity),
      },
    });
  } else {
    if (context.roomId !== roomId) {
      throw invalidCommand(`This is room ${context.roomId}; the command names room ${roomId}.`);
    }
    demand(mainRoomOnly, context);
    demand(isModerator, context, actor, 'prewarm it');
    settings = context.settings;
    open = openOverflowRooms(context);
    spawned = context.overflowSpawned;
    recent = spawnsWithin(context, Date.parse(at)).length;
  }
  const { capacity, maxOverflowRooms } = settings;
  const allowed = Math.min(maxOverflowRooms - open, maxOverflowRooms - recent);
  const missing = Math.max(0, Math.min(overflowRoomsFor(audience, capacity) - open, allowed));
  for (let i = 1; i <= missing; i += 1) {
    events.push({
      type: 'OverflowRoomSpawned',
      data: {
        roomId,
        overflowRoomId: overflowRoomId(roomId, spawned + i),
        capacity,
        at,
        prewarmed: true,
        expectedListeners: expectedIn(open + i, audience, capacity),
      },
    });
  }
  return events;
};

/**
 * Ends a family's warm-up (EndWarmUp, a set time after its doors opened):
 * the warm overflow rooms nobody sits in are drained, then WarmUpEnded, after
 * which every room holds routers for the listeners it has. Nothing to record
 * once the warm-up is over.
 */
export const decideEndWarmUp = (state: RoomState, command: EndWarmUp): RoomEvent[] => {
  const context = state.snapshot.context;
  const { roomId, seats } = context;
  if (!context.warm) return [];
  const actor = requireActor(command.metadata.actor);
  demand(isModerator, context, actor, 'end its warm-up');
  const drained: RoomEvent[] = [];
  for (const [overflowId, room] of seats.overflow) {
    if (room.open && room.prewarmed === true && room.listeners === 0) {
      drained.push({ type: 'OverflowRoomDrained', data: { roomId, overflowRoomId: overflowId } });
    }
  }
  return [...drained, { type: 'WarmUpEnded', data: { roomId, by: actor, at: command.metadata.at } }];
};
