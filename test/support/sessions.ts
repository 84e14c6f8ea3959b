import { eventually } from '../scheduling/support.ts';
import type { TestApi } from './apiServer.ts';

export interface SessionInput {
  readonly title: string;
  readonly startsAt: Date;
  readonly headlinerUserId: string;
  readonly expectedAudience: number;
  readonly leadTimeMs: number;
  readonly capacity: number;
}

/**
 * A producer's scheduled session on a running server, over HTTP: its id
 * (which is its room's), and a wait for each step its jobs record.
 */
export const scheduleSession = async (api: TestApi, producer: string, input: SessionInput) => {
  const { scheduleSession: session } = await api.data<{ scheduleSession: { id: string } }>(
    `mutation($input: ScheduleSessionInput!) { scheduleSession(input: $input) { id } }`,
    { token: producer, variables: { input: { ...input, startsAt: input.startsAt.toISOString() } } },
  );
  const status = async () =>
    (
      await api.data<{ sessions: Array<{ id: string; status: string }> }>(`{ sessions { id status } }`, {
        token: producer,
      })
    ).sessions.find((s) => s.id === session.id)?.status;
  return {
    roomId: session.id,
    status,
    /** Resolves once the session's status is `wanted` (prewarmed after the prewarm job, opened after the open job). */
    reached: (wanted: 'prewarmed' | 'opened') =>
      eventually(
        `session ${session.id} to be ${wanted}`,
        async () => ((await status()) === wanted ? true : undefined),
        20_000,
      ),
  };
};
