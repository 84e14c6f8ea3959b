import {
  getNamedType,
  isInputObjectType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import { apiError } from './errors.ts';

const MAX_ID_LENGTH = 200;
/** Control characters, whitespace, and UTF-16 halves without their other half. */
const NOT_IN_AN_ID = /[\p{Cc}\p{Cf}\s]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;

/** An id the API passes on, or INVALID_INPUT naming where it was given. */
export const checkId = (where: string, value: unknown): void => {
  if (typeof value !== 'string') return;
  if (value.length === 0 || value.length > MAX_ID_LENGTH || NOT_IN_AN_ID.test(value)) {
    throw apiError(
      'INVALID_INPUT',
      `${where} must be an id of 1 to ${MAX_ID_LENGTH} visible characters, not ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} (${value.length} characters).`,
      { field: where },
    );
  }
};

const isId = (type: GraphQLInputType): boolean => getNamedType(type).name === 'ID';

/** Checks every ID in `value` of `type` (lists and input objects too), naming its path. */
const checkIds = (where: string, type: GraphQLInputType, value: unknown): void => {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkIds(`${where}[${i}]`, type, item));
    return;
  }
  const named = getNamedType(type);
  if (isId(type)) checkId(where, value);
  else if (isInputObjectType(named) && typeof value === 'object') {
    for (const field of Object.values(named.getFields())) {
      checkIds(`${where}.${field.name}`, field.type, (value as Record<string, unknown>)[field.name]);
    }
  }
};

const carriesIds = (type: GraphQLInputType, seen = new Set<string>()): boolean => {
  const named = getNamedType(type);
  if (isId(type)) return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => carriesIds(field.type, seen));
};

/**
 * Every field taking an ID checks it before it resolves: an id too long for
 * the store, empty, or with invisible characters is INVALID_INPUT naming the
 * argument, not whatever the store would make of it. One rule for the whole
 * schema, so a new field cannot forget it.
 */
export const checkIdArguments = (schema: GraphQLSchema): GraphQLSchema => {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const checked: readonly GraphQLArgument[] = field.args.filter((arg) => carriesIds(arg.type));
      if (checked.length === 0) continue;
      const check = (args: Record<string, unknown>) => {
        for (const arg of checked) checkIds(arg.name, arg.type, args[arg.name]);
      };
      const wrap = (resolver: GraphQLFieldResolver<unknown, unknown> | undefined) =>
        resolver &&
        ((source: unknown, args: Record<string, unknown>, context: unknown, info: GraphQLResolveInfo) => {
          check(args);
          return resolver(source, args, context, info);
        });
      field.resolve = wrap(field.resolve);
      field.subscribe = wrap(field.subscribe);
    }
  }
  return schema;
};
