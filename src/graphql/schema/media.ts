import { GraphQLError } from 'graphql';
import { MediaError, type MediaSignaling } from '../../media/index.ts';
import { builder } from '../builder.ts';
import type { ApiContext, Viewer } from '../context.ts';
import { apiError } from '../errors.ts';
import { requireRole } from '../guards.ts';
import '../types/json.ts';

const mediaOf = (context: ApiContext): MediaSignaling => {
  if (!context.services.media)
    throw apiError('NOT_FOUND', 'This node runs without media; connect to one that serves audio.');
  return context.services.media;
};

const API_CODES: Partial<Record<MediaError['code'], 'FORBIDDEN' | 'RATE_LIMITED'>> = {
  MEDIA_FORBIDDEN: 'FORBIDDEN',
  TOO_MANY_TRANSPORTS: 'RATE_LIMITED',
};

/** Media errors to stable codes; malformed WebRTC parameters are the client's to fix. */
const relay = async <T>(work: () => Promise<T> | T): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GraphQLError) throw error;
    if (error instanceof MediaError) {
      throw apiError(API_CODES[error.code] ?? 'NOT_FOUND', error.message, {
        mediaCode: error.code,
      });
    }
    if (error instanceof TypeError) throw apiError('INVALID_INPUT', error.message);
    throw error;
  }
};

const TRANSPORT_ID = 'The `id` of a transport createMediaTransport gave you.';

const listener = (context: ApiContext, what: string): Viewer => requireRole(context, what, 'listener', 'producer');

/**
 * Where the viewer is in the family of `roomId`, from the family's roster
 * (the command path's, which the log is the truth of), or FORBIDDEN. From
 * then on the media plane follows the log for where they are (see
 * src/media/membership.ts), and refuses a transport made for anywhere else.
 */
const placementIn = async (context: ApiContext, roomId: string, viewer: Viewer) => {
  const { readModels, commands } = context.services;
  // A room opened through another node may not be in this node's read models yet.
  if (!readModels.room(roomId)) await readModels.catchUp().catch(() => undefined);
  if (!readModels.room(roomId)) throw apiError('NOT_FOUND', `Room ${roomId} does not exist; check the id.`);
  const placement = await commands.placementOf(roomId, viewer.userId);
  if (!placement) throw apiError('FORBIDDEN', `Join room ${roomId} first: you are not in it or its overflow rooms.`);
  return placement;
};

builder.queryFields((t) => ({
  routerRtpCapabilities: t.field({
    type: 'JSON',
    description:
      "The RTP capabilities of a room's router: load them into mediasoup-client's Device. For members of the room's family only (FORBIDDEN otherwise); NOT_FOUND while the room's media is not up yet.",
    args: { roomId: t.arg.id({ required: true, description: 'The room you were placed in (main or overflow).' }) },
    resolve: async (_root, { roomId }, context) => {
      await placementIn(context, roomId, listener(context, 'join audio'));
      return relay(() => mediaOf(context).routerRtpCapabilities(roomId));
    },
  }),
}));

builder.mutationFields((t) => ({
  createMediaTransport: t.field({
    type: 'JSON',
    nullable: true,
    description:
      'A WebRTC transport in the room you were placed in: to send if you are on stage, to receive otherwise. Returns { id, iceParameters, iceCandidates, dtlsParameters }. It works while you stay where you were placed: leaving or being moved (on stage, off it) closes it within a second. One user holds at most a few per room family (4 unless configured; RATE_LIMITED past that), and each creation counts against the rate limit.',
    args: { roomId: t.arg.id({ required: true, description: 'A room of the family you joined.' }) },
    resolve: async (_root, { roomId }, context) => {
      const viewer = listener(context, 'join audio');
      const placement = await placementIn(context, roomId, viewer);
      const media = mediaOf(context);
      // Counted against the rate limit with the mutation's other fields, before any runs (useMutationBudget).
      return relay(() =>
        media.createWebRtcTransport({ userId: viewer.userId, roomId: placement.roomId, role: placement.role }),
      );
    },
  }),
  connectMediaTransport: t.field({
    type: 'Boolean',
    nullable: true,
    description:
      "Completes a transport's DTLS handshake (mediasoup-client's transport `connect` event); true when done.",
    args: {
      transportId: t.arg.id({ required: true, description: TRANSPORT_ID }),
      dtlsParameters: t.arg({
        type: 'JSON',
        required: true,
        description: 'The `dtlsParameters` of the connect event.',
      }),
    },
    resolve: async (_root, args, context) => {
      const viewer = listener(context, 'join audio');
      await relay(() =>
        mediaOf(context).connectTransport({
          userId: viewer.userId,
          transportId: args.transportId,
          dtlsParameters: args.dtlsParameters as never,
        }),
      );
      return true;
    },
  }),
  produceAudio: t.field({
    type: 'ID',
    nullable: true,
    description: 'Speakers only: starts sending your microphone; returns the producer id.',
    args: {
      transportId: t.arg.id({ required: true, description: TRANSPORT_ID }),
      rtpParameters: t.arg({ type: 'JSON', required: true, description: 'The `rtpParameters` of the produce event.' }),
    },
    resolve: async (_root, args, context) => {
      const viewer = listener(context, 'speak');
      const { producerId } = await relay(() =>
        mediaOf(context).produce({
          userId: viewer.userId,
          transportId: args.transportId,
          kind: 'audio',
          rtpParameters: args.rtpParameters as never,
        }),
      );
      return producerId;
    },
  }),
  consumeSpeakers: t.field({
    type: 'JSON',
    nullable: true,
    description:
      "One consumer per speaker of your room's family: [{ id, producerId, kind, rtpParameters }], paused until resumed.",
    args: {
      transportId: t.arg.id({ required: true, description: TRANSPORT_ID }),
      rtpCapabilities: t.arg({ type: 'JSON', required: true, description: "Your Device's `rtpCapabilities`." }),
    },
    resolve: async (_root, args, context) => {
      const viewer = listener(context, 'listen');
      return relay(() =>
        mediaOf(context).consumeSpeakers({
          userId: viewer.userId,
          transportId: args.transportId,
          rtpCapabilities: args.rtpCapabilities as never,
        }),
      );
    },
  }),
  resumeConsumer: t.field({
    type: 'Boolean',
    nullable: true,
    description: 'Starts the audio of a consumer consumeSpeakers gave you, once your side is ready; true when done.',
    args: { consumerId: t.arg.id({ required: true, description: 'The `id` of a consumer consumeSpeakers gave you.' }) },
    resolve: async (_root, { consumerId }, context) => {
      const viewer = listener(context, 'listen');
      await relay(() => mediaOf(context).resumeConsumer({ userId: viewer.userId, consumerId }));
      return true;
    },
  }),
  closeMediaTransport: t.field({
    type: 'Boolean',
    nullable: true,
    description:
      'Closes one of your transports (and its producers and consumers), freeing its place under the per-user limit. Works after you left the room too.',
    args: { transportId: t.arg.id({ required: true, description: TRANSPORT_ID }) },
    resolve: async (_root, { transportId }, context) => {
      const viewer = listener(context, 'close a transport');
      await relay(() => mediaOf(context).closeTransport({ userId: viewer.userId, transportId }));
      return true;
    },
  }),
}));
