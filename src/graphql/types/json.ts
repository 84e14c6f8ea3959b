import { builder } from '../builder.ts';

/** WebRTC parameters pass through as JSON: mediasoup-client builds and reads them, the API only relays them. */
builder.scalarType('JSON', {
  description: 'Any JSON value (WebRTC parameters for mediasoup-client).',
  serialize: (value) => value,
  parseValue: (value) => value,
});
