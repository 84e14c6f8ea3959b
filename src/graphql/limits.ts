import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { PageLimit } from './paging.ts';

/** How much one document may ask for; every limit is checked before anything runs. */
export interface DocumentLimits {
  /** Levels of nested selections (introspection has its own, deeper, limit: GraphiQL's query needs 14). */
  readonly maxDepth: number;
  readonly maxIntrospectionDepth: number;
  /** Each field costs 1, times the page size of the list around it (see `queryLimitsRule`). */
  readonly maxCost: number;
  /** Aliased fields in the whole operation, fragments counted where they are spread. */
  readonly maxAliases: number;
  /** Fields at the top of a query or subscription. */
  readonly maxRootFields: number;
  /** Fields at the top of a mutation: each is a write, so fewer. */
  readonly maxMutationFields: number;
  /** Lexical tokens, checked while parsing, so a deep document is refused before it can overflow the parser. */
  readonly maxTokens: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = {
  maxDepth: 10,
  maxIntrospectionDepth: 15,
  maxCost: 5000,
  maxAliases: 30,
  maxRootFields: 10,
  maxMutationFields: 10,
  maxTokens: 2000,
};

/** `__schema` answers with the whole schema: it is priced as such, so a document holds a few at most. */
const SCHEMA_COST = 1000;

/**
 * Parses with a token limit, so a document too large or too deep for the
 * parser is a syntax error (GRAPHQL_PARSE_FAILED), never a stack overflow.
 */
export const parseDocument = (source: string, maxTokens: number): DocumentNode => {
  try {
    return parse(source, { maxTokens });
  } catch (error) {
    const message =
      error instanceof GraphQLError
        ? error.message
        : `Syntax Error: the document is nested too deeply to parse; keep it under ${maxTokens} tokens.`;
    throw new GraphQLError(message, {
      ...(error instanceof GraphQLError ? { source: error.source, positions: error.positions } : {}),
      extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400, spec: true } },
    });
  }
};

const refusal = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'INVALID_INPUT' } });

/** The page a field declares (`extensions.pageLimit`, see paging.ts), if it is paged. */
const pageLimitOf = (field: GraphQLField<unknown, unknown> | undefined): PageLimit | undefined =>
  field?.extensions.pageLimit as PageLimit | undefined;

/**
 * How many items a paged field may return: its literal `first` (at most its
 * page limit: more is refused by the field itself, with a clearer sentence),
 * its full page when `first` is a variable (validation sees no values), its
 * default page when `first` is absent.
 */
const pageOf = (node: FieldNode, limit: PageLimit): number => {
  const first = node.arguments?.find((a) => a.name.value === 'first');
  if (!first) return limit.default;
  if (first.value.kind === Kind.INT) return Math.min(limit.max, Math.max(1, Number(first.value.value)));
  return limit.max;
};

interface Tally {
  depth: number;
  introspectionDepth: number;
  cost: number;
  aliases: number;
}

/**
 * Refuses documents that ask for too much, before anything runs: too deep,
 * too costly, too many aliases, too many root fields. Introspection fields
 * (`__schema`, `__type`, `__typename`) are counted like any other, so
 * aliasing them cannot walk around the cost; `__schema` costs SCHEMA_COST. A paged field (one with a
 * `pageLimit`) multiplies the cost of what it lists: everything below it when
 * it returns a list, its `nodes` when it returns a connection (its `pageInfo`
 * is paid once).
 */
export const queryLimitsRule =
  (limits: DocumentLimits) =>
  (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const fieldOf = (parent: GraphQLCompositeType | undefined, name: string) => {
      if (name === '__typename') return TypeNameMetaFieldDef;
      if (name === '__schema') return SchemaMetaFieldDef;
      if (name === '__type') return TypeMetaFieldDef;
      return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
    };
    const typeNamed = (name: string | undefined, fallback: GraphQLCompositeType | undefined) => {
      const type = name === undefined ? fallback : schema.getType(name);
      return type && isCompositeType(type) ? type : undefined;
    };

    const walk = (
      set: SelectionSetNode,
      parent: GraphQLCompositeType | undefined,
      depth: number,
      introspecting: boolean,
      seen: ReadonlySet<string>,
      nodesTimes: number,
    ): Tally => {
      const tally: Tally = { depth: 0, introspectionDepth: 0, cost: 0, aliases: 0 };
      const add = (inner: Tally, times = 1) => {
        tally.depth = Math.max(tally.depth, inner.depth);
        tally.introspectionDepth = Math.max(tally.introspectionDepth, inner.introspectionDepth);
        tally.cost += inner.cost * times;
        tally.aliases += inner.aliases;
      };
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          const name = selection.name.value;
          const field = fieldOf(parent, name);
          const inside = introspecting || name === '__schema' || name === '__type';
          const times = name === 'nodes' ? nodesTimes : 1;
          if (inside) tally.introspectionDepth = Math.max(tally.introspectionDepth, depth);
          else tally.depth = Math.max(tally.depth, depth);
          tally.cost += times * (name === '__schema' ? SCHEMA_COST : 1);
          if (selection.alias) tally.aliases += 1;
          if (!selection.selectionSet) continue;
          const limit = pageLimitOf(field);
          const page = limit ? pageOf(selection, limit) : 1;
          const listed = field !== undefined && isListType(getNullableType(field.type));
          const type = field ? getNamedType(field.type) : undefined;
          const inner = walk(
            selection.selectionSet,
            type && isCompositeType(type) ? type : undefined,
            depth + 1,
            inside,
            seen,
            limit && !listed ? page : 1,
          );
          add(inner, times * (limit && listed ? page : 1));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const type = typeNamed(selection.typeCondition?.name.value, parent);
          add(walk(selection.selectionSet, type, depth, introspecting, seen, nodesTimes));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue;
          const type = typeNamed(fragment.typeCondition.name.value, parent);
          add(walk(fragment.selectionSet, type, depth, introspecting, new Set([...seen, name]), nodesTimes));
        }
      }
      return tally;
    };

    return {
      OperationDefinition(operation) {
        const root = schema.getRootType(operation.operation) ?? undefined;
        const tally = walk(operation.selectionSet, root, 1, false, new Set(), 1);
        const report = (message: string) => context.reportError(refusal(message));
        if (tally.depth > limits.maxDepth)
          report(`The query is nested ${tally.depth} levels deep; the limit is ${limits.maxDepth}.`);
        if (tally.introspectionDepth > limits.maxIntrospectionDepth) {
          report(
            `The introspection is nested ${tally.introspectionDepth} levels deep; the limit is ${limits.maxIntrospectionDepth}.`,
          );
        }
        if (tally.cost > limits.maxCost) {
          report(
            `The query would cost ${tally.cost}; the limit is ${limits.maxCost}. Ask for fewer fields or smaller pages.`,
          );
        }
        if (tally.aliases > limits.maxAliases)
          report(`The document uses ${tally.aliases} aliases; the limit is ${limits.maxAliases}.`);
        const rootFields = rootFieldCount(operation.selectionSet, fragments);
        const mutation = operation.operation === OperationTypeNode.MUTATION;
        const maxRoot = mutation ? limits.maxMutationFields : limits.maxRootFields;
        if (rootFields > maxRoot) {
          report(
            mutation
              ? `The mutation has ${rootFields} fields; the limit is ${maxRoot}: send the rest in another request. Nothing was written.`
              : `The ${operation.operation} has ${rootFields} top-level fields; the limit is ${maxRoot}.`,
          );
        }
      },
    };
  };

/** Fields at the top of an operation, through its fragments; each fragment counted where it is spread. */
export const rootFieldCount = (
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: ReadonlySet<string> = new Set(),
): number => {
  let count = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) count += 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += rootFieldCount(selection.selectionSet, fragments, seen);
    else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(selection.name.value))
        count += rootFieldCount(fragment.selectionSet, fragments, new Set([...seen, selection.name.value]));
    }
  }
  return count;
};
