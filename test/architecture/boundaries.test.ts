import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tempDir.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const depcruise = join(root, 'node_modules/.bin/depcruise');

/** Runs the project's boundary rules over a small tree of files; returns [exit code, output]. */
const cruise = (dir: string, files: Record<string, string>): [number, string] => {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  try {
    const out = execFileSync(depcruise, ['src', '--config', '.dependency-cruiser.cjs'], { cwd: dir, encoding: 'utf8' });
    return [0, out];
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return [e.status, `${e.stdout}${e.stderr}`];
  }
};

describe('import boundaries (dependency-cruiser)', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterAll(() => dirs.forEach((d) => d.remove()));
  const project = (): string => {
    const dir = makeTempDir('boundaries');
    dirs.push(dir);
    copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir.path, '.dependency-cruiser.cjs'));
    copyFileSync(join(root, 'tsconfig.json'), join(dir.path, 'tsconfig.json'));
    return dir.path;
  };

  it('passes a domain that imports only itself', () => {
    const [code, out] = cruise(project(), {
      'src/domain/room.ts': "import { cap } from './cap.ts';\nexport const room = cap;\n",
      'src/domain/cap.ts': 'export const cap = 5000;\n',
    });
    expect(code, out).toBe(0);
  });

  it('fails when src/domain imports node:fs, naming the rule', () => {
    const [code, out] = cruise(project(), {
      'src/domain/room.ts': "import { readFileSync } from 'node:fs';\nexport const room = readFileSync;\n",
    });
    expect(code).not.toBe(0);
    expect(out).toContain('domain-is-pure');
    expect(out).toContain('src/domain/room.ts');
  });

  it('fails when src/domain imports another folder of src', () => {
    const [code, out] = cruise(project(), {
      'src/domain/room.ts': "import { store } from '../eventstore/index.ts';\nexport const room = store;\n",
      'src/eventstore/index.ts': 'export const store = 1;\n',
    });
    expect(code).not.toBe(0);
    expect(out).toContain('domain-is-pure');
  });

  it('fails on an import cycle', () => {
    const [code, out] = cruise(project(), {
      'src/commands/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'src/commands/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    expect(code).not.toBe(0);
    expect(out).toContain('no-circular');
  });

  it('the real tree passes', () => {
    const out = execFileSync(depcruise, ['src', '--config', '.dependency-cruiser.cjs'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out).toMatch(/no dependency violations found/);
  });
});
