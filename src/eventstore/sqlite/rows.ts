import type { RecordedEvent } from '../types.ts';

/** The columns every read selects, in this order: rows come back as arrays (raw mode builds no object per row). */
export const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';
export type EventRow = [bigint, string, bigint, string, string, string, string, bigint];

export const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  eventId: row[3],
  streamId: row[1],
  type: row[4],
  data: JSON.parse(row[5]) as unknown,
  metadata: JSON.parse(row[6]) as Record<string, unknown>,
  revision: row[2],
  position: row[0],
  recordedAt: new Date(Number(row[7])),
});
