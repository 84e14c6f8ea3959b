import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaFileText } from '../../scripts/print-schema.ts';

const REMEDY = 'schema.graphql is out of date: run `npx tsx scripts/print-schema.ts` and commit the result';

describe('the GraphQL schema', () => {
  it('is the committed schema.graphql', async () => {
    expect(existsSync(SCHEMA_FILE), REMEDY).toBe(true);
    expect(readFileSync(SCHEMA_FILE, 'utf8'), REMEDY).toBe(await schemaFileText());
  });
});
