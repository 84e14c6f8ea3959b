import { validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { parseDocument, queryLimitsRule, type DocumentLimits } from './limits.ts';

/**
 * The documents Spillway's own clients send (the dashboard, the surge demo),
 * by id: clients send `{"documentId": "JoinRoom", "variables": {…}}` (or
 * `?documentId=` on GET and SSE) instead of the document. In allow-list mode
 * (production) nothing else runs. Ids are the operation names: the dashboard
 * is served by the server that holds this list, and the demo ships with it.
 */
export const TRUSTED_DOCUMENTS = {
  DashboardRooms: `query DashboardRooms($after: String) {
    rooms(state: live, first: 100, after: $after) {
      nodes {
        id title state listenerCount familyListenerCount full capacity queued warm doorsOpen
        overflowRooms { id listenerCount capacity open warm }
        headliner { userId arrived }
      }
      pageInfo { endCursor hasNextPage }
    }
  }`,
  DashboardDirectory: `subscription DashboardDirectory {
    directory {
      __typename
      ... on RoomOpened { roomId }
      ... on RoomBecameFull { roomId }
      ... on RoomHadSeatsAgain { roomId }
      ... on OverflowRoomSpawned { roomId overflowRoomId }
      ... on OverflowRoomDrained { roomId overflowRoomId }
      ... on RoomEnded { roomId reason }
      ... on ListenerCountChanged { roomId listenerCount familyListenerCount }
      ... on HeadlinerArrived { roomId userId }
      ... on SessionChanged { roomId sessionId status startsAt }
    }
  }`,
  DashboardSessions: `query DashboardSessions {
    sessions(upcoming: true, first: 20) { id title startsAt status expectedAudience headlinerUserId capacity }
  }`,
  DashboardAnalytics: `query DashboardAnalytics($id: ID!) {
    roomAnalytics(id: $id) { timeline { second listeners familyListeners queued } }
  }`,
  DashboardViewer: `query DashboardViewer { viewer { id roles } }`,
  ScheduleSession: `mutation ScheduleSession($input: ScheduleSessionInput!) {
    scheduleSession(input: $input) { id roomId }
  }`,
  Sessions: `query Sessions { sessions { id status } }`,
  MarkHeadlinerArrived: `mutation MarkHeadlinerArrived($roomId: ID!) { markHeadlinerArrived(roomId: $roomId) { id } }`,
  JoinRoom: `mutation JoinRoom($roomId: ID!) {
    joinRoom(roomId: $roomId) {
      __typename
      ... on Placement { role room { id parentId } }
      ... on Queued { position waiting room { id } }
    }
  }`,
  LeaveRoom: `mutation LeaveRoom($roomId: ID!) { leaveRoom(roomId: $roomId) { id } }`,
  LeaveQueue: `mutation LeaveQueue($roomId: ID!) { leaveQueue(roomId: $roomId) { id } }`,
  WaitingRoom: `subscription WaitingRoom($roomId: ID!) {
    waitingRoom(roomId: $roomId) {
      __typename
      ... on Queued { position waiting }
      ... on Placement { room { id parentId } }
    }
  }`,
  InviteToSpeak: `mutation InviteToSpeak($roomId: ID!, $userId: ID!) {
    inviteToSpeak(roomId: $roomId, userId: $userId) { id }
  }`,
  AcceptInvite: `mutation AcceptInvite($roomId: ID!) { acceptInvite(roomId: $roomId) { id } }`,
  RoomCounts: `query RoomCounts($id: ID!) {
    room(id: $id) { title listenerCount familyListenerCount capacity queued overflowRooms { id listenerCount capacity } }
  }`,
  RoomTimeline: `query RoomTimeline($id: ID!) {
    roomAnalytics(id: $id) { queuePeak admittedFromQueue timeline { second listeners queued } }
  }`,
  OpenRoom: `mutation OpenRoom($input: OpenRoomInput!) { openRoom(input: $input) { id } }`,
  AnnounceHeadliner: `mutation AnnounceHeadliner($roomId: ID!, $userId: ID!, $expectedAudience: Int!) {
    announceHeadliner(roomId: $roomId, userId: $userId, expectedAudience: $expectedAudience) { id }
  }`,
} as const;

export type TrustedDocumentId = keyof typeof TRUSTED_DOCUMENTS;

export interface TrustedDocument {
  readonly id: string;
  readonly source: string;
  /** Parsed and validated (with every document limit) once, at start. */
  readonly document: DocumentNode;
}

/**
 * The trusted documents, each parsed and validated once: one that no longer
 * fits the schema or the limits stops the server at start, not a client later.
 */
export const prepareTrustedDocuments = (
  schema: GraphQLSchema,
  limits: DocumentLimits,
): ReadonlyMap<string, TrustedDocument> => {
  const prepared = new Map<string, TrustedDocument>();
  for (const [id, source] of Object.entries(TRUSTED_DOCUMENTS)) {
    const document = parseDocument(source, limits.maxTokens);
    const problems = [...validate(schema, document), ...validate(schema, document, [queryLimitsRule(limits)])];
    if (problems.length > 0)
      throw new TypeError(`Trusted document ${id} is not valid: ${problems.map((e) => e.message).join('; ')}`);
    prepared.set(id, { id, source, document });
  }
  return prepared;
};
