import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/**
 * Refuses documents nested deeper than `maxDepth` or costing more than
 * `maxCost` (each field costs 1, times the `first` argument of the lists
 * around it — 100 when `first` is a variable), before anything runs.
 */
export const queryLimitsRule =
  (maxDepth: number, maxCost: number) =>
  (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    // Validation sees no variable values, so a `first` given by variable is
    // charged as a full page (100) rather than as 1.
    const multiplier = (field: FieldNode): number => {
      const first = field.arguments?.find((a) => a.name.value === 'first');
      if (first?.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
      if (first?.value.kind === Kind.VARIABLE) return 100;
      return 1;
    };
    const walk = (set: SelectionSetNode, depth: number, seen: Set<string>): { depth: number; cost: number } => {
      let deepest = depth;
      let cost = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith('__')) continue;
          cost += 1;
          if (selection.selectionSet) {
            const inner = walk(selection.selectionSet, depth + 1, seen);
            deepest = Math.max(deepest, inner.depth);
            cost += inner.cost * multiplier(selection);
          }
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const inner = walk(selection.selectionSet, depth, seen);
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue;
          const inner = walk(fragment.selectionSet, depth, new Set([...seen, name]));
          deepest = Math.max(deepest, inner.depth);
          cost += inner.cost;
        }
      }
      return { depth: deepest, cost };
    };
    return {
      OperationDefinition(operation) {
        const { depth, cost } = walk(operation.selectionSet, 1, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`The query is nested ${depth} levels deep; the limit is ${maxDepth}.`, {
              extensions: { code: 'INVALID_INPUT' },
            }),
          );
        }
        if (cost > maxCost) {
          context.reportError(
            new GraphQLError(
              `The query would cost ${cost}; the limit is ${maxCost}. Ask for fewer fields or smaller pages.`,
              {
                extensions: { code: 'INVALID_INPUT' },
              },
            ),
          );
        }
      },
    };
  };

export interface RateLimiter {
  /** Takes one token for `key`; false when its bucket is empty. */
  take(key: string): boolean;
}

/** A token bucket per user: `burst` at once, refilled at `perSecond`. */
export const createRateLimiter = (perSecond: number, burst: number): RateLimiter => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const now = performance.now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
  };
};
