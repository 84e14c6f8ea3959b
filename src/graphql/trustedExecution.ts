import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { execute, getOperationAST, OperationTypeNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { ApiContext } from './context.ts';
import { chargeMutation, statusOfErrors, withoutHttp } from './plugins.ts';
import { withinDeadline } from './deadline.ts';
import type { TrustedDocument } from './trustedDocuments.ts';

export interface TrustedExecutionOptions {
  readonly schema: GraphQLSchema;
  readonly trusted: ReadonlyMap<string, TrustedDocument>;
  /** The request's context (its viewer from the token); throws a GraphQLError for a bad token. */
  readonly contextFor: (request: IncomingMessage) => Promise<ApiContext>;
  readonly maskError: (error: unknown, message: string) => GraphQLError;
  /** Each call is answered within this, as every other request is (`useRequestDeadline`). */
  readonly deadlineMs: number;
}

/** What a POST body names, when it names a trusted document and nothing else. */
interface TrustedCall {
  readonly document: TrustedDocument;
  readonly variables: Record<string, unknown> | undefined;
  readonly operationName: string | undefined;
}

const trustedCall = (body: unknown, trusted: ReadonlyMap<string, TrustedDocument>): TrustedCall | undefined => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { documentId, query, variables, operationName } = body as Record<string, unknown>;
  if (typeof documentId !== 'string' || (query !== undefined && query !== null)) return undefined;
  const document = trusted.get(documentId);
  if (!document) return undefined;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
    return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  const operation = getOperationAST(document.document, operationName ?? undefined);
  if (!operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return undefined;
  return {
    document,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: operationName ?? undefined,
  };
};

/**
 * Runs a trusted document sent as `{"documentId": …}` in a JSON POST straight
 * on graphql-js: the document was parsed and validated with every limit at
 * start, so what is left per request is the token, the mutation's rate-limit
 * charge, execution and the JSON answer (the join path; docs/PERFORMANCE.md).
 * Answers as yoga would: the same context, error masking, status codes and
 * media types. Returns false, having read nothing, for any request it does not
 * take; `fallback` gets the requests whose body it read but will not run.
 */
export const createTrustedExecution = (options: TrustedExecutionOptions) => {
  /** Whether the request can be one: a JSON POST, answered as JSON, from no other origin. */
  const mayTake = (request: IncomingMessage): boolean => {
    if (request.method !== 'POST' || request.url !== '/graphql' || request.headers.origin !== undefined) return false;
    const type = request.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) return false;
    const accept = request.headers.accept ?? '*/*';
    return /application\/(graphql-response\+)?json|\*\/\*/.test(accept) && !accept.includes('text/event-stream');
  };

  const answer = (response: ServerResponse, request: IncomingMessage, result: ExecutionResult): void => {
    const graphqlResponse = (request.headers.accept ?? '').includes('application/graphql-response+json');
    const errors = result.errors?.map((e) => options.maskError(e, 'Unexpected error.'));
    const status = graphqlResponse && result.data === undefined && errors ? statusOfErrors(errors) : 200;
    const body = JSON.stringify({
      ...(errors ? { errors: errors.map((e) => withoutHttp(e).toJSON()) } : {}),
      ...(result.data !== undefined ? { data: result.data } : {}),
    });
    response.writeHead(status, {
      'content-type': `${graphqlResponse ? 'application/graphql-response+json' : 'application/json'}; charset=utf-8`,
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  };

  const run = async (request: IncomingMessage, call: TrustedCall): Promise<ExecutionResult> => {
    let context: ApiContext;
    try {
      context = await options.contextFor(request);
    } catch (error) {
      return { errors: [options.maskError(error, 'Unexpected error.')] };
    }
    const refused = chargeMutation(context, call.document.document, call.operationName);
    if (refused) return { errors: [refused] };
    return withinDeadline(
      options.deadlineMs,
      execute({
        schema: options.schema,
        document: call.document.document,
        variableValues: call.variables,
        operationName: call.operationName,
        contextValue: context,
      }),
    );
  };

  return {
    mayTake,
    /** Runs the body if it names a trusted document; false (body untouched by it) if not. */
    async take(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<boolean> {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return false;
      }
      const call = trustedCall(parsed, options.trusted);
      if (!call) return false;
      answer(response, request, await run(request, call));
      return true;
    },
  };
};
