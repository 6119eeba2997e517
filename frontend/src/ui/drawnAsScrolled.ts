import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** Items drawn at first, and added each time the end of what is drawn comes near the screen. */
export const DRAWN_STEP = 30;

/** How far below the screen (px) the end of the drawn items may be before more are drawn. */
const AHEAD_PX = 1200;

export interface DrawnAsScrolled {
  /** How many of the list's first items to draw. */
  count: number;
  /** Put on an element right after the drawn items: when it nears the screen, more are drawn. */
  end: RefObject<HTMLDivElement | null>;
  /** Draws at least up to item `index` (to move focus to it, say). */
  reveal(index: number): void;
}

/**
 * A long list drawn as it scrolls: a screenful or two at first, more as its end comes near, by
 * scrolling or by moving focus down it (docs/architecture.md §9: a plan of 1,000 allies opens in
 * 300 ms on a slow phone). What was drawn stays drawn, so focus, Tab order and find-in-page work
 * on everything above; each item carries aria-setsize and aria-posinset so a screen reader says
 * how long the whole list is.
 */
export function useDrawnAsScrolled(total: number): DrawnAsScrolled {
  const [count, setCount] = useState(DRAWN_STEP);
  const end = useRef<HTMLDivElement>(null);
  const drawn = Math.min(count, total);
  useEffect(() => {
    const sentinel = end.current;
    if (sentinel === null || drawn >= total || typeof IntersectionObserver !== 'function') return;
    // A new observer after each step: it reports at once whether the end is still near, so a tall
    // screen or a fast scroll keeps drawing until the end is out of reach.
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) setCount((now) => Math.max(now, drawn + DRAWN_STEP));
      },
      { rootMargin: `0px 0px ${AHEAD_PX}px 0px` },
    );
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [drawn, total]);
  return { count: drawn, end, reveal: (index) => setCount((now) => Math.max(now, index + 1)) };
}
