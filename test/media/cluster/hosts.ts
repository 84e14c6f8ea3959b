// Hosts for the cross-host media tests. As root: one Linux network namespace
// per media host, each joined by a veth pair to a bridge this run creates in
// the test's own namespace (the control host: API and log), on a private
// /24 used by nothing else; all of it is removed by `destroy()`. Not root:
// the same hosts as loopback addresses, and `reason` says why.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface Host {
  readonly name: string;
  readonly ip: string;
  /** The host's network namespace (`ip netns exec` it), or undefined on loopback. */
  readonly netns: string | undefined;
  /** Starts `node args…` on this host (inside its namespace). */
  spawnNode(args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** Cuts the host's link (its veth goes down); on loopback, stops its processes instead. */
  cut(processes: readonly ChildProcess[]): void;
  restore(processes: readonly ChildProcess[]): void;
  /** Cuts this host off from one address only (an unreachable route in its namespace); netns only. */
  isolateFrom(address: string): void;
  /** Undoes `isolateFrom`. */
  rejoin(address: string): void;
}

export interface Hosts {
  readonly kind: 'netns' | 'loopback';
  /** Why loopback was used, when it was. */
  readonly reason: string | undefined;
  /** The control host's address, reachable from every media host. */
  readonly controlIp: string;
  /**
   * A second address of the control host, for a service some hosts may be cut
   * off from while the control host still reaches them (`isolateFrom`).
   */
  readonly serviceIp: string;
  readonly hosts: readonly Host[];
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

const canMakeNamespaces = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_NET_ADMIN';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    return `ip netns does not work here (${String(error)})`;
  }
};

const freeSubnet = (): string => {
  const routes = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
  for (;;) {
    const subnet = `10.${200 + (randomBytes(1)[0]! % 50)}.${randomBytes(1)[0]!}`;
    if (!routes.includes(`${subnet}.`)) return subnet;
  }
};

const nodeProcess = (command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess =>
  spawn(command, [...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });

const signalAll = (processes: readonly ChildProcess[], signal: NodeJS.Signals) => {
  for (const p of processes) if (p.exitCode === null && p.signalCode === null) p.kill(signal);
};

export const createHosts = (names: readonly string[]): Hosts => {
  const reason = canMakeNamespaces();
  if (reason !== undefined) {
    return {
      kind: 'loopback',
      reason,
      controlIp: '127.0.0.1',
      hosts: names.map((name, i) => ({
        name,
        ip: `127.0.0.${i + 2}`,
        netns: undefined,
        spawnNode: (args, env) => nodeProcess(process.execPath, args, env),
        cut: (processes) => signalAll(processes, 'SIGSTOP'),
        restore: (processes) => signalAll(processes, 'SIGCONT'),
        isolateFrom: () => {
          throw new Error(`hosts on loopback cannot be cut off from one address (${reason})`);
        },
        rejoin: () => undefined,
      })),
      serviceIp: '127.0.0.1',
      destroy: () => undefined,
    };
  }
  const tag = randomBytes(2).toString('hex');
  const subnet = freeSubnet();
  const bridge = `swb${tag}`;
  const made: Array<() => void> = [];
  const destroy = () => {
    for (const undo of made.splice(0).reverse()) {
      try {
        undo();
      } catch {
        // Already gone (a namespace takes its veth with it).
      }
    }
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    made.push(() => ip('link', 'del', bridge));
    ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    ip('addr', 'add', `${subnet}.254/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    const hosts = names.map((name, i): Host => {
      const ns = `spillway-${tag}-${name}`;
      const outside = `sw${tag}${name}`;
      const inside = `sw${tag}${name}p`;
      const address = `${subnet}.${i + 2}`;
      ip('netns', 'add', ns);
      made.push(() => ip('netns', 'del', ns));
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      made.push(() => ip('link', 'del', outside));
      ip('link', 'set', inside, 'netns', ns);
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/24`, 'dev', inside);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', inside, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
      return {
        name,
        ip: address,
        netns: ns,
        spawnNode: (args, env) => nodeProcess('ip', ['netns', 'exec', ns, process.execPath, ...args], env),
        cut: () => ip('link', 'set', outside, 'down'),
        restore: () => ip('link', 'set', outside, 'up'),
        isolateFrom: (address) => ip('netns', 'exec', ns, 'ip', 'route', 'add', 'unreachable', `${address}/32`),
        rejoin: (address) => ip('netns', 'exec', ns, 'ip', 'route', 'del', 'unreachable', `${address}/32`),
      };
    });
    return { kind: 'netns', reason: undefined, controlIp: `${subnet}.1`, serviceIp: `${subnet}.254`, hosts, destroy };
  } catch (error) {
    destroy();
    throw error;
  }
};
