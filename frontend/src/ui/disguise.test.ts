// The faces a person can give the app, against the static files an install takes them from.
import { describe, expect, it } from 'vitest';
import { DISGUISES } from './disguise';
import { strings } from './strings';

// Every file public/ holds, by its path from the site's root.
const PUBLIC = new Set(
  Object.keys(import.meta.glob('../../public/*', { query: '?url', eager: true })).map((path) =>
    path.replace('../../public', ''),
  ),
);
const manifests = import.meta.glob<string>('../../public/*.webmanifest', {
  query: '?raw',
  import: 'default',
  eager: true,
});
const SENSITIVE = /support|plan|all(y|ies)|abuse|violence|circle|safety|danger/i;

describe('disguises', () => {
  it('each face has its own manifest with its name and icons, and only the plain one names the app', () => {
    expect(DISGUISES.map((d) => d.id)).toEqual(['plain', 'notes', 'recipes', 'budget']);
    for (const disguise of DISGUISES) {
      const manifest = JSON.parse(manifests[`../../public${disguise.manifest}`] ?? '{}') as {
        name: string;
        short_name: string;
        theme_color: string;
        icons: { src: string }[];
      };
      expect([manifest.name, manifest.short_name]).toEqual([disguise.name, disguise.name]);
      expect(manifest.theme_color).toBe(disguise.themeColor);
      for (const file of [disguise.icon, disguise.touchIcon, ...manifest.icons.map((i) => i.src)])
        expect(PUBLIC.has(file), file).toBe(true);
      if (disguise.id !== 'plain') {
        const text = JSON.stringify(manifest) + disguise.icon + disguise.touchIcon;
        expect(text, disguise.id).not.toMatch(SENSITIVE);
      }
    }
  });

  it('every everyday face says nothing of what the app is', () => {
    for (const disguise of DISGUISES.filter((d) => d.id !== 'plain')) {
      expect(disguise.name).not.toMatch(SENSITIVE);
    }
    expect(strings.unlockHeading + strings.unlockHelp + strings.passphrase).not.toMatch(SENSITIVE);
    expect(strings.dangerLineDisguised).not.toMatch(SENSITIVE);
  });
});
