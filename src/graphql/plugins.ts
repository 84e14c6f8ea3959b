import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  NoSchemaIntrospectionCustomRule,
  getOperationAST,
  type DocumentNode,
  type ExecutionArgs,
  type Source,
  type ExecutionResult,
  type FragmentDefinitionNode,
} from 'graphql';
import { defaultExtractPersistedOperationId, usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { ApiContext } from './context.ts';
import { apiError } from './errors.ts';
import { parseDocument, queryLimitsRule, rootFieldCount, type DocumentLimits } from './limits.ts';
import type { TrustedDocument } from './trustedDocuments.ts';

/** The document limits at parse and validation time; introspection can be switched off. */
export const useDocumentLimits = (limits: DocumentLimits, introspection: boolean): Plugin => ({
  onParse({ setParseFn }) {
    setParseFn((source: string | Source) =>
      parseDocument(typeof source === 'string' ? source : source.body, limits.maxTokens),
    );
  },
  onValidate({ addValidationRule }) {
    addValidationRule(queryLimitsRule(limits));
    if (!introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
  },
});

/** Counted once per document and operation: trusted documents are the same objects on every request. */
const fieldCounts = new WeakMap<DocumentNode, Map<string, number>>();

/** How many writes a mutation asks for: its top-level fields. */
export const mutationFieldCount = (document: DocumentNode, operationName: string | null | undefined): number => {
  let counts = fieldCounts.get(document);
  if (!counts) fieldCounts.set(document, (counts = new Map<string, number>()));
  const key = operationName ?? '';
  let count = counts.get(key);
  if (count === undefined) counts.set(key, (count = countMutationFields(document, operationName)));
  return count;
};

const countMutationFields = (document: DocumentNode, operationName: string | null | undefined): number => {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== OperationTypeNode.MUTATION) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return rootFieldCount(operation.selectionSet, fragments);
};

/**
 * Charges a mutation's every field to the viewer's rate limit at once,
 * before any of them runs: a request the limiter would cut off part-way is
 * refused whole, so it writes nothing rather than some of what it asked.
 */
export const chargeMutation = (
  context: ApiContext,
  document: DocumentNode,
  operationName: string | null | undefined,
): GraphQLError | undefined => {
  const viewer = context.viewer;
  const fields = viewer ? mutationFieldCount(document, operationName) : 0;
  if (!viewer || fields === 0 || context.services.rateLimiter.take(viewer.userId, fields)) return undefined;
  return apiError(
    'RATE_LIMITED',
    `Too many changes from ${viewer.userId} at once; slow down and try again in a second. Nothing was written.`,
  );
};

export const useMutationBudget = (): Plugin<ApiContext> => ({
  onExecute({ args, setResultAndStopExecution }) {
    const { contextValue, document, operationName } = args as ExecutionArgs;
    const refused = chargeMutation(contextValue as ApiContext, document, operationName);
    if (refused) setResultAndStopExecution({ errors: [refused] });
  },
});

const STATUS_BY_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** The HTTP status of an answer without data: from its first error's code (400 for bad requests). */
export const statusOfErrors = (errors: readonly GraphQLError[]): number => {
  const code = errors[0]?.extensions.code;
  return (typeof code === 'string' ? STATUS_BY_CODE[code] : undefined) ?? 400;
};

/**
 * Errors without data get a 4xx or 5xx under application/graphql-response+json,
 * as the GraphQL-over-HTTP spec asks (`spec: true`: under application/json
 * they stay 200, as it also asks).
 */
export const useErrorStatus = (): Plugin => ({
  onResultProcess(payload) {
    const { result } = payload;
    if (Array.isArray(result) || isAsyncIterable(result)) return;
    const answer = result as ExecutionResult;
    if (answer.data !== undefined || !answer.errors?.length) return;
    if (answer.errors.some((e) => e.extensions.http !== undefined)) return;
    const status = statusOfErrors(answer.errors);
    payload.setResult({
      ...answer,
      errors: answer.errors.map(
        (e) =>
          new GraphQLError(e.message, {
            nodes: e.nodes,
            source: e.source,
            positions: e.positions,
            path: e.path,
            originalError: e.originalError,
            extensions: { ...e.extensions, http: { status, spec: true } },
          }),
      ),
    });
  },
});

export const TRUSTED_ONLY =
  'This server runs only trusted documents: send a documentId from the allow-list (TRUSTED_DOCUMENTS), not a query.';

/**
 * Trusted documents by id (`documentId` in the body or the URL, or Apollo's
 * `extensions.persistedQuery.sha256Hash` holding the id); in allow-list mode
 * nothing else is run.
 */
export const useTrustedDocuments = (trusted: ReadonlyMap<string, TrustedDocument>, only: boolean): Plugin =>
  usePersistedOperations({
    allowArbitraryOperations: !only,
    extractPersistedOperationId: (params, request, context) => {
      const fromBody = (params as { documentId?: unknown }).documentId;
      if (typeof fromBody === 'string') return fromBody;
      return (
        new URL(request.url).searchParams.get('documentId') ??
        defaultExtractPersistedOperationId(params, request, context)
      );
    },
    getPersistedOperation: (id) => trusted.get(id)?.document ?? null,
    customErrors: {
      notFound: {
        message: 'That documentId is not a trusted document; see TRUSTED_DOCUMENTS for the ids.',
        extensions: { code: 'INVALID_INPUT', http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send a GraphQL document as "query", or a trusted document\'s id as "documentId".',
        extensions: { code: 'INVALID_INPUT', http: { status: 400 } },
      },
      persistedQueryOnly: { message: TRUSTED_ONLY, extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
    },
  });

/** An error as a client sees it: without yoga's internal `http` extension (status codes are for HTTP). */
export const withoutHttp = (error: GraphQLError): GraphQLError => {
  if (!('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions,
  });
};
