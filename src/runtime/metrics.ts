import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MediaPlane } from '../media/index.ts';
import type { ReadModels, RecordedEvent } from '../projections/index.ts';

/**
 * What an operator watches, in Prometheus format at /metrics: admissions
 * (rate() it for per second), admission latency, projection lag, media per
 * worker, sessions waiting to run. Gauges are read when scraped.
 */
export const createMetrics = (sources: {
  readonly readModels: () => ReadModels;
  /** Room families the command path holds in memory now. */
  readonly heldRooms: () => number;
  readonly media: () => MediaPlane | undefined;
}) => {
  const registry = new Registry();
  // One prefix for every name: prom-client's own names already start with process_ or nodejs_.
  collectDefaultMetrics({ register: registry, prefix: 'spillway_' });
  const admissions = new Counter({
    name: 'spillway_admissions_total',
    help: 'Listeners placed in a room (main or overflow), as the read models saw them.',
    labelNames: ['placement'] as const,
    registers: [registry],
  });
  const admissionLatency = new Histogram({
    name: 'spillway_admission_latency_seconds',
    help: 'joinRoom from request to answer (read-your-writes included).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'spillway_projection_lag_events',
    help: 'Events the read models are behind the log, as this node has seen it.',
    registers: [registry],
    collect() {
      this.set(Number(sources.readModels().lag().events));
    },
  });
  new Gauge({
    name: 'spillway_projection_lag_milliseconds',
    help: 'How long the oldest event not yet applied has waited.',
    registers: [registry],
    collect() {
      this.set(sources.readModels().lag().ms);
    },
  });
  new Gauge({
    name: 'spillway_media_routers',
    help: 'mediasoup routers per worker.',
    labelNames: ['worker'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const worker of sources.media()?.inventory().workers ?? [])
        this.set({ worker: String(worker.pid) }, worker.routers);
    },
  });
  new Gauge({
    name: 'spillway_media_consumers',
    help: 'Listeners consuming, per worker.',
    labelNames: ['worker'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const byWorker = new Map<number, number>();
      for (const room of sources.media()?.inventory().rooms ?? []) {
        for (const router of room.routers)
          byWorker.set(router.workerPid, (byWorker.get(router.workerPid) ?? 0) + router.listeners);
      }
      for (const [pid, listeners] of byWorker) this.set({ worker: String(pid) }, listeners);
    },
  });
  new Gauge({
    name: 'spillway_rooms_held',
    help: 'Room families whose state the command path holds in memory (idle ones are let go).',
    registers: [registry],
    collect() {
      this.set(sources.heldRooms());
    },
  });
  new Gauge({
    name: 'spillway_scheduler_pending_sessions',
    help: 'Scheduled sessions whose prewarm, open or drain job has not run yet.',
    registers: [registry],
    collect() {
      this.set(sources.readModels().schedule.pending().length);
    },
  });

  const rejected = new Counter({
    name: 'spillway_bus_messages_rejected_total',
    help: 'Messages read from Redis that were not what that key carries; each was dropped.',
    labelNames: ['bus', 'reason'] as const,
    registers: [registry],
  });
  const rejectedKinds = new Set<string>();

  return {
    registry,
    /** Counts a dropped bus message; true the first time for its bus and reason (log that one). */
    rejectedMessage(bus: string, reason: string): boolean {
      rejected.inc({ bus, reason });
      const kind = `${bus}:${reason}`;
      if (rejectedKinds.has(kind)) return false;
      rejectedKinds.add(kind);
      return true;
    },
    /** Counts admissions in each committed batch (the read models' onBatch). */
    onBatch(events: readonly RecordedEvent[]): void {
      for (const event of events) {
        if (event.type === 'ListenerAdmitted' && !(event.data as { roomId: string }).roomId.includes('.overflow-')) {
          admissions.inc({ placement: 'main' });
        } else if (event.type === 'ListenerRedirectedToOverflow') {
          admissions.inc({ placement: 'overflow' });
        }
      }
    },
    observeAdmission(seconds: number): void {
      admissionLatency.observe(seconds);
    },
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
};

export type Metrics = ReturnType<typeof createMetrics>;
