import { describe, expect, it } from 'vitest';
import { BUILT_IN_NEUTRAL_PAGE, exitDestination } from './quickExit';

const APP = 'https://circle.example.org';
const BUILT_IN = `${APP}${BUILT_IN_NEUTRAL_PAGE}`;

describe('where a quick exit goes', () => {
  it('goes to the built-in page when the person chose none', () => {
    expect(exitDestination(null, true, APP)).toBe(BUILT_IN);
  });

  it('goes to the page the person chose', () => {
    expect(exitDestination('https://weather.example.com/today', true, APP)).toBe('https://weather.example.com/today');
  });

  it('goes to the built-in page while offline when the chosen page is elsewhere', () => {
    expect(exitDestination('https://weather.example.com/', false, APP)).toBe(BUILT_IN);
    expect(exitDestination(`${APP}/recipes.html#soup`, false, APP)).toBe(`${APP}/recipes.html#soup`);
  });

  it('never goes anywhere but an http(s) page', () => {
    for (const chosen of ['javascript:alert(1)', 'data:text/html,hi', 'weather', '', 'file:///etc/passwd']) {
      expect(exitDestination(chosen, true, APP)).toBe(BUILT_IN);
    }
  });
});
