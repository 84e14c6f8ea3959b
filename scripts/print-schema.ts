// Writes the API's schema, as SDL, to schema.graphql at the repo root:
// `npx tsx scripts/print-schema.ts` after changing a GraphQL type or field.
// test/graphql/schema.test.ts fails until the committed file matches.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { printedSchema } from '../src/graphql/index.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/** What schema.graphql holds: the printed schema, formatted as `prettier --check` wants it. */
export const schemaFileText = async (): Promise<string> =>
  format(printedSchema(), { ...(await resolveConfig(SCHEMA_FILE)), parser: 'graphql' });

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, await schemaFileText());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
