export { createRoomCommands, type CommandResult, type RoomCommandOptions, type RoomCommands } from './roomCommands.ts';
export { CommandPathClosedError, ConcurrencyConflictError, UnknownRoomEventError } from './errors.ts';
export { loadRoom, toRoomEvent, type LoadedRoom } from './roomLoader.ts';
export {
  createFamilyOwnership,
  type FamilyOwnership,
  type FamilyOwnershipOptions,
  type Forwarder,
  type LocalCommands,
} from './ownership.ts';
export { FamilyUnavailableError, NotOwnerError, OwnerUnreachableError } from './ownershipErrors.ts';
