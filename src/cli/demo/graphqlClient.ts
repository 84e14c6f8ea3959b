import type { TrustedDocumentId } from '../../runtime/index.ts';

/**
 * A GraphQL call over HTTP as a client makes it: a trusted document by its id
 * (a persisted operation, so it runs on a production server too); errors come
 * back as thrown Errors naming their code.
 */
export const graphql = async <T>(
  url: string,
  token: string | undefined,
  documentId: TrustedDocumentId,
  variables: Record<string, unknown> = {},
): Promise<T> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ documentId, variables }),
  });
  const body = (await response.json()) as {
    data?: T;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  const error = body.errors?.[0];
  if (error || !body.data)
    throw new Error(`${error?.extensions?.code ?? response.status}: ${error?.message ?? 'no data'}`);
  return body.data;
};
