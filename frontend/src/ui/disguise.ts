/**
 * How the app appears: its name in the tab, the history, the header and the lock screen, its
 * icon, and the manifest a phone installs it with. Someone who picks up the phone may read every
 * one of these, so a person can make the app look like an everyday one ("Notes").
 *
 * The choice is kept in this browser's localStorage, not in the vault: it must hold before
 * unlock, on the lock screen and in the installed app's name. It says only which of four
 * ordinary-looking faces was chosen; a wipe removes it with everything else. Until the person
 * chooses, the organisation's default (from `GET /v1/server`, kept from the last answer) holds.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ServerInfo } from '../sync/transport/server';
import { strings } from './strings';

export type DisguiseId = ServerInfo['disguise'];

export interface Disguise {
  readonly id: DisguiseId;
  /** The name everywhere the app names itself. */
  readonly name: string;
  /** The static manifest with this name and icons (public/), so an install takes them. */
  readonly manifest: string;
  readonly icon: string;
  readonly touchIcon: string;
  readonly themeColor: string;
}

const face = (id: DisguiseId, themeColor: string, prefix: string): Disguise => ({
  id,
  // Read when shown, after ui/language.ts chose the language.
  get name() {
    return strings.disguiseNames[id];
  },
  manifest: `/manifest-${id}.webmanifest`,
  icon: `/${prefix}favicon.svg`,
  touchIcon: `/${prefix}apple-touch-icon.png`,
  themeColor,
});

export const DISGUISES: readonly Disguise[] = [
  face('plain', '#3d5a57', ''),
  face('notes', '#f2c94c', 'notes-'),
  face('recipes', '#c8693a', 'recipes-'),
  face('budget', '#2f6f4f', 'budget-'),
];

const CHOSEN = 'disguise';
const SERVER_DEFAULT = 'disguiseDefault';

function byId(id: unknown): Disguise | undefined {
  return DISGUISES.find((disguise) => disguise.id === id);
}

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    // Blocked storage: the default holds for this start.
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Blocked storage: this start still shows the choice.
  }
}

/** The person's choice, else the organisation's default, else the plain name. */
export function chosenDisguise(): Disguise {
  return byId(read(CHOSEN)) ?? byId(read(SERVER_DEFAULT)) ?? (DISGUISES[0] as Disguise);
}

/** Whether the person chose a face themselves (the organisation's default then no longer applies). */
export function personChoseDisguise(): boolean {
  return byId(read(CHOSEN)) !== undefined;
}

const listeners = new Set<(disguise: Disguise) => void>();

function changed(): void {
  const disguise = chosenDisguise();
  applyDisguise(disguise);
  for (const listener of listeners) listener(disguise);
}

/** The server's default, kept for starts without internet; shown at once unless the person chose. */
export function keepServerDisguise(info: ServerInfo): void {
  if (byId(info.disguise) === undefined || read(SERVER_DEFAULT) === info.disguise) return;
  write(SERVER_DEFAULT, info.disguise);
  changed();
}

export function chooseDisguise(id: DisguiseId): void {
  write(CHOSEN, id);
  changed();
}

/**
 * The face shown now. Contract: it changes only when the person or the server's default changes
 * it, never because storage was emptied: after a wipe the page keeps the face it had until it is
 * left, so erasing the app does not put its real name on the screen.
 */
export function useDisguise(): Disguise {
  const [disguise, setDisguise] = useState(chosenDisguise);
  useEffect(() => {
    listeners.add(setDisguise);
    return () => {
      listeners.delete(setDisguise);
    };
  }, []);
  return disguise;
}

function headLink(rel: string): HTMLLinkElement {
  let link = document.head.querySelector<HTMLLinkElement>(`link[rel="${rel}"]`);
  if (link === null) {
    link = document.createElement('link');
    link.rel = rel;
    document.head.append(link);
  }
  return link;
}

/**
 * Puts the face on the page: title, icons, theme colour and the manifest link. Called before the
 * first render, so the page never shows another name, and again on every change. Chromium reads the
 * manifest link when the person installs, so the home screen takes the face chosen by then.
 */
export function applyDisguise(disguise: Disguise): void {
  document.title = disguise.name;
  headLink('manifest').href = disguise.manifest;
  headLink('icon').href = disguise.icon;
  headLink('apple-touch-icon').href = disguise.touchIcon;
  let theme = document.head.querySelector<HTMLMetaElement>('meta[name="theme-color"]');
  if (theme === null) {
    theme = document.createElement('meta');
    theme.name = 'theme-color';
    document.head.append(theme);
  }
  theme.content = disguise.themeColor;
}
