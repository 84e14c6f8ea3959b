import { placementChanges, type RecordedEvent } from '../projections/index.ts';
import type { MediaPlane } from './types.ts';

/**
 * Media follows placement. After each committed batch of the log, the plane
 * is told where every member the batch seated, moved or let go is now
 * (`placementChanges`): media made for where they no longer are closes at
 * once, and later calls are checked against it. Like the reconcile reactor
 * it needs no checkpoint: a fresh media plane holds no transports, and each
 * transport starts from the placement the family's roster gave at creation.
 */
export const createPlacementReactor = (media: MediaPlane) => ({
  /** Hand it each committed batch (the read models' onBatch). */
  onBatch(events: readonly RecordedEvent[]): void {
    if (media.closed) return;
    for (const { familyId, userId, placement } of placementChanges(events))
      media.enforcePlacement(familyId, userId, placement);
  },
});

export type PlacementReactor = ReturnType<typeof createPlacementReactor>;
