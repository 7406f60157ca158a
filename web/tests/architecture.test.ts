/**
 * The web app's structure, checked from the source: which folder may import which, where Firestore
 * paths are spelled, and that documents are read through a reader rather than cast.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

const FILES = sourceFiles(SRC).map((path) => ({ path, rel: relative(SRC, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));

/** Every relative module a file imports, statically or lazily, as a path under src/. */
function localImports(file: { path: string; text: string }): string[] {
  const specs = [...file.text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.map((spec) => relative(SRC, resolve(dirname(file.path), spec)).split(sep).join('/'));
}

/** 'features/room', 'lib', 'components', 'types' or 'root' (App.tsx, main.tsx). */
function layerOf(rel: string): string {
  const [top, second] = rel.split('/');
  if (top === 'features') return `features/${second}`;
  if (top === 'lib' || top === 'components' || top === 'types') return top;
  return 'root';
}

const MAY_IMPORT: Record<string, readonly string[]> = {
  types: ['types'],
  lib: ['lib', 'types'],
  components: ['components', 'lib', 'types'],
};

function allowed(from: string, to: string): boolean {
  if (from === 'root') return true;
  if (from.startsWith('features/')) return to === from || ['lib', 'components', 'types'].includes(to);
  return MAY_IMPORT[from]?.includes(to) ?? false;
}

describe('import structure', () => {
  it('finds the source', () => {
    expect(FILES.length).toBeGreaterThan(50);
    expect(localImports(FILES.find((f) => f.rel === 'App.tsx')!)).toContain('features/room/RoomPage');
  });

  it('a feature imports only itself, lib/, components/ and types/; shared code never imports a feature', () => {
    const wrong = FILES.flatMap((file) =>
      localImports(file)
        .filter((target) => !allowed(layerOf(file.rel), layerOf(target)))
        .map((target) => `${file.rel} -> ${target}`),
    );
    expect(wrong).toEqual([]);
  });

  it('no two features import each other', () => {
    const edges = new Set<string>();
    for (const file of FILES)
      for (const target of localImports(file)) {
        const [a, b] = [layerOf(file.rel), layerOf(target)];
        if (a !== b && a.startsWith('features/') && b.startsWith('features/')) edges.add(`${a} -> ${b}`);
      }
    expect([...edges]).toEqual([]);
  });
});

/** Data modules (lib/data/, or a module named *Data.ts): the only files that build Firestore references. */
const DATA_MODULE = /^(lib\/data\/.+|lib\/[^/]+\/\w*[dD]ata\.ts|features\/[^/]+\/\w*[dD]ata\.ts|features\/practice\/matchingQueue\.ts)$/;

describe('Firestore access', () => {
  it('only data modules import the collection names', () => {
    const importers = FILES.filter((f) => localImports(f).includes('lib/data/collections')).map((f) => f.rel);
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((rel) => !DATA_MODULE.test(rel))).toEqual([]);
  });

  it('only data modules call collection() or doc()', () => {
    const callers = FILES.filter((f) => /\b(collection|doc|collectionGroup)\(\s*(db|this\.db|base|this\.opts\.db)\b/.test(f.text)).map((f) => f.rel);
    expect(callers.filter((rel) => !DATA_MODULE.test(rel))).toEqual([]);
  });

  it('components read and write only through data modules (no Firestore calls in .tsx files)', () => {
    // A type-only import is fine; a value import (onSnapshot, setDoc, ...) means the component talks to Firestore.
    const callers = FILES.filter((f) => f.rel.endsWith('.tsx') && /import\s+\{[^}]*\}\s+from\s+'firebase\/firestore'/.test(f.text))
      .filter((f) => !/import\s+type\s/.test(f.text.match(/import[^;]*from\s+'firebase\/firestore'/)?.[0] ?? ''))
      .map((f) => f.rel);
    expect(callers).toEqual([]);
  });

  it('no collection name is spelled outside the names module', () => {
    const names = ['peerSessions', 'communityProfiles', 'matchingQueue', 'userStats'];
    const spelled = FILES.filter((f) => f.rel !== 'lib/data/collections.ts' && !f.rel.startsWith('types/'))
      .flatMap((f) => names.filter((n) => f.text.includes(`'${n}'`)).map((n) => `${f.rel}: '${n}'`));
    expect(spelled).toEqual([]);
  });

  it('no document is cast: every read goes through a reader', () => {
    const casts = FILES.filter((f) => /\.data\([^)]*\)\s+as\b|\.data\(\)\s*as\b/.test(f.text)).map((f) => f.rel);
    expect(casts).toEqual([]);
  });
});
