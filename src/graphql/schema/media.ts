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

/** Media errors to stable codes; malformed WebRTC parameters are the client's to fix. */
const relay = async <T>(work: () => Promise<T> | T): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GraphQLError) throw error;
    if (error instanceof MediaError) {
      throw apiError(error.code === 'MEDIA_FORBIDDEN' ? 'FORBIDDEN' : 'NOT_FOUND', error.message, {
        mediaCode: error.code,
      });
    }
    if (error instanceof TypeError) throw apiError('INVALID_INPUT', error.message);
    throw error;
  }
};

const listener = (context: ApiContext, what: string): Viewer => requireRole(context, what, 'listener', 'producer');

builder.queryFields((t) => ({
  routerRtpCapabilities: t.field({
    type: 'JSON',
    description: "The RTP capabilities of a room's router: load them into mediasoup-client's Device.",
    args: { roomId: t.arg.id({ required: true, description: 'The room.' }) },
    resolve: (_root, { roomId }, context) => {
      listener(context, 'join audio');
      return relay(() => mediaOf(context).routerRtpCapabilities(roomId));
    },
  }),
}));

builder.mutationFields((t) => ({
  createMediaTransport: t.field({
    type: 'JSON',
    nullable: true,
    description:
      'A WebRTC transport in the room you were placed in: to send if you are on stage, to receive otherwise. Returns { id, iceParameters, iceCandidates, dtlsParameters }.',
    args: { roomId: t.arg.id({ required: true, description: 'The room.' }) },
    resolve: async (_root, { roomId }, context) => {
      const viewer = listener(context, 'join audio');
      const placement = await context.services.commands.placementOf(roomId, viewer.userId);
      if (!placement)
        throw apiError('FORBIDDEN', `Join room ${roomId} first: you are not in it or its overflow rooms.`);
      return relay(() =>
        mediaOf(context).createWebRtcTransport({
          userId: viewer.userId,
          roomId: placement.roomId,
          role: placement.role === 'speaker' ? 'speaker' : 'listener',
        }),
      );
    },
  }),
  connectMediaTransport: t.field({
    description: "Connects a transport with the client's DTLS parameters (mediasoup-client's connect event).",
    type: 'Boolean',
    nullable: true,
    args: {
      transportId: t.arg.id({ required: true, description: 'A transport from createMediaTransport.' }),
      dtlsParameters: t.arg({
        type: 'JSON',
        required: true,
        description: "The transport's DTLS parameters, from mediasoup-client.",
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
      transportId: t.arg.id({ required: true, description: 'A transport from createMediaTransport.' }),
      rtpParameters: t.arg({
        type: 'JSON',
        required: true,
        description: "The producer's RTP parameters, from mediasoup-client.",
      }),
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
      transportId: t.arg.id({ required: true, description: 'A transport from createMediaTransport.' }),
      rtpCapabilities: t.arg({
        type: 'JSON',
        required: true,
        description: "The device's RTP capabilities, from mediasoup-client.",
      }),
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
    description: 'Starts the audio of a consumer from consumeSpeakers.',
    type: 'Boolean',
    nullable: true,
    args: { consumerId: t.arg.id({ required: true, description: 'A consumer from consumeSpeakers.' }) },
    resolve: async (_root, { consumerId }, context) => {
      const viewer = listener(context, 'listen');
      await relay(() => mediaOf(context).resumeConsumer({ userId: viewer.userId, consumerId }));
      return true;
    },
  }),
}));
