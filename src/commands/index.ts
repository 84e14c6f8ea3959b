export { createRoomCommands, type CommandResult, type RoomCommandOptions, type RoomCommands } from './roomCommands.ts';
export { CommandPathClosedError, ConcurrencyConflictError, UnknownRoomEventError } from './errors.ts';
export { loadRoom, toRoomEvent, type LoadedRoom } from './roomLoader.ts';
export { createMediaCommands, type MediaCommands } from './mediaCommands.ts';
