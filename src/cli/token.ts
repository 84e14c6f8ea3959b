import { ROLES, signToken, type Role, type SpillwayConfig } from '../runtime/index.ts';
import { UsageError } from './usageError.ts';

/** `spillway token --user alice --role producer [--expires-in 12h]`: a token that expires, alone on the last line. */
export const runToken = async (
  config: SpillwayConfig,
  user: string | undefined,
  roles: string[] | undefined,
  expiresIn = '12h',
): Promise<void> => {
  if (!user || !/^[A-Za-z0-9_.@-]{1,100}$/.test(user)) {
    throw new UsageError('--user must be 1 to 100 letters, digits, "_", ".", "@" or "-".');
  }
  const chosen = roles && roles.length > 0 ? roles : ['listener'];
  const bad = chosen.filter((role) => !(ROLES as readonly string[]).includes(role));
  if (bad.length > 0) throw new UsageError(`Unknown role "${bad[0]}"; use ${ROLES.join(', ')}.`);
  if (!/^[1-9]\d{0,4}[smhd]$/.test(expiresIn)) {
    throw new UsageError(`--expires-in must be a lifetime such as 30m, 12h or 7d, not "${expiresIn}".`);
  }
  if (config.api.developmentSecret) {
    process.stderr.write('note: signed with the development secret (SPILLWAY_JWT_SECRET is not set).\n');
  }
  process.stdout.write(`${await signToken(config.api.jwtSecret, user, chosen as Role[], expiresIn)}\n`);
};
