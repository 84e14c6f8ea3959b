export {
  createRoomCommands,
  type CommandResult,
  type RoomCommandOptions,
  type RoomCommands,
  type RoomDefaults,
} from './roomCommands.ts';
export {
  createSessionCommands,
  type LoadedSession,
  type SessionCommandResult,
  type SessionCommands,
} from './sessionCommands.ts';
export { CommandPathClosedError, ConcurrencyConflictError } from './errors.ts';
export { DEFAULT_MAILBOX_LIMITS, type MailboxLimits } from './mailboxes.ts';
export { createMediaCommands, type MediaCommands } from './mediaCommands.ts';
export {
  createFamilyOwnership,
  type FamilyOwnership,
  type FamilyOwnershipOptions,
  type Forwarder,
  type LocalCommands,
} from './ownership.ts';
export { FamilyUnavailableError, NotOwnerError, OwnerUnreachableError } from './ownershipErrors.ts';
export { createSpawnWindowWakeUps, WAKE_UP_ACTOR, type SpawnWindowWakeUps } from './spawnWindowWakeUps.ts';
