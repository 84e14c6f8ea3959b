import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from '../builder.ts';
import { checkIdArguments } from '../inputChecks.ts';
import './query.ts';
import './mutation.ts';
import './subscription.ts';
import './sessions.ts';
import './media.ts';

export const schema = checkIdArguments(builder.toSchema());

/** The schema as SDL, sorted: what schema.graphql holds and the snapshot test compares. */
export const printedSchema = (): string => printSchema(lexicographicSortSchema(schema));
