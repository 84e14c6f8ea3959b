export { createApiServer, type ApiServer, type ApiServerOptions } from './server.ts';
export { signToken, type AuthConfig } from './auth.ts';
export { ROLES, type ApiServices, type Role, type Viewer } from './context.ts';
export { inProcessFeedBus, redisFeedBus, type FeedBus } from './feedBus.ts';
export { createRateLimiter, type RateLimiter } from './rateLimiter.ts';
export { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from './limits.ts';
export { printedSchema, schema } from './schema/index.ts';
export { TRUSTED_DOCUMENTS, type TrustedDocumentId } from './trustedDocuments.ts';
