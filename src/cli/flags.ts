import { UsageError } from './usageError.ts';

/** A flag a subcommand takes: `value` takes the next argument (even one starting with "-"), `list` may repeat. */
export type FlagKind = 'switch' | 'value' | 'list';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export type ParsedFlags<S extends FlagSpec> = {
  readonly [K in keyof S]?: S[K] extends 'switch' ? boolean : S[K] extends 'list' ? string[] : string;
};

export interface ParsedArgs<S extends FlagSpec> {
  readonly flags: ParsedFlags<S>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

/**
 * Reads `argv` against one subcommand's flags. Written rather than Node's
 * parseArgs so that every mistake is one line naming the flag and the
 * command's help, and so `--capacity -1` reaches the value check (parseArgs
 * takes "-1" for a flag and answers with its own wording).
 */
export const parseFlags = <S extends FlagSpec>(command: string, argv: readonly string[], spec: S): ParsedArgs<S> => {
  const flags: Record<string, boolean | string | string[]> = {};
  const positionals: string[] = [];
  let help = false;
  const seeHelp = `run spillway ${command} --help`;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const [name, inline] = arg.startsWith('--') ? splitOnce(arg.slice(2)) : [arg.slice(1), undefined];
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) throw new UsageError(`spillway ${command} has no flag ${arg.split('=')[0]}; ${seeHelp}.`);
    if (kind === 'switch') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value (got "${inline}"); ${seeHelp}.`);
      flags[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined) throw new UsageError(`--${name} needs a value; ${seeHelp}.`);
      i += 1;
    }
    if (kind === 'list') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else if (name in flags) throw new UsageError(`--${name} is given twice; give it once.`);
    else flags[name] = value;
  }
  return { flags: flags as ParsedFlags<S>, positionals, help };
};

const splitOnce = (text: string): [string, string | undefined] => {
  const at = text.indexOf('=');
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
};

/** A whole number ≥ 1 from `--name`, or `fallback` when the flag is absent. */
export const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${name} must be a whole number ≥ 1, not "${value}".`);
  return n;
};
