import {
  DEFAULT_CAPACITY,
  DEFAULT_MAX_OVERFLOW_ROOMS,
  DEFAULT_QUEUE_CAPACITY,
  DEFAULT_SPEAKER_CAPACITY,
} from './commands.ts';
import type { RoomSettings } from './events.ts';
import { SPAWN_WINDOW_MS } from './roomContext.ts';
import {
  MAX_CAPACITY,
  MAX_QUEUE_CAPACITY,
  MAX_SPAWN_WINDOW_MS,
  MIN_SPAWN_WINDOW_MS,
  requireTitle,
  wholeNumber,
} from './validation.ts';

export const orDefault = (name: string, value: unknown, fallback: number, min: number, max: number): number =>
  value === undefined ? fallback : wholeNumber(name, value, min, max);

/** A room's settings from what a command (OpenRoom, PrewarmRoom) gives, each checked, the rest defaulted. */
export const settingsFrom = (data: {
  title?: string;
  capacity?: number;
  speakerCapacity?: number;
  maxOverflowRooms?: number;
  queueCapacity?: number;
  spawnWindowMs?: number;
}): RoomSettings => ({
  title: requireTitle('room', data.title),
  capacity: orDefault('capacity', data.capacity, DEFAULT_CAPACITY, 1, MAX_CAPACITY),
  speakerCapacity: orDefault('speakerCapacity', data.speakerCapacity, DEFAULT_SPEAKER_CAPACITY, 1, 1000),
  maxOverflowRooms: orDefault('maxOverflowRooms', data.maxOverflowRooms, DEFAULT_MAX_OVERFLOW_ROOMS, 0, 10_000),
  queueCapacity: orDefault('queueCapacity', data.queueCapacity, DEFAULT_QUEUE_CAPACITY, 0, MAX_QUEUE_CAPACITY),
  spawnWindowMs: orDefault(
    'spawnWindowMs',
    data.spawnWindowMs,
    SPAWN_WINDOW_MS,
    MIN_SPAWN_WINDOW_MS,
    MAX_SPAWN_WINDOW_MS,
  ),
});

/**
 * The settings as RoomOpened records them: the spawn window only when it is
 * not the default, so a room opened the usual way records what it did before
 * the window was a setting.
 */
export const recordedSettings = ({
  spawnWindowMs,
  ...rest
}: RoomSettings): Omit<RoomSettings, 'spawnWindowMs'> & { spawnWindowMs?: number } =>
  spawnWindowMs === SPAWN_WINDOW_MS ? rest : { ...rest, spawnWindowMs };
