/**
 * The support plan's guided sections, in the order a person meets them. Their words (title, why,
 * prompts) are with the other strings (ui/strings.ts `planSections`), so they can be translated;
 * written in our own plain words (domain.md: never a toolkit's text). Every question is optional;
 * nothing here is ever sent anywhere — only a person's answers are, encrypted, and only when they
 * choose to share them.
 */

/**
 * The sections' stable ids: each is stored with its answer, so wording (and language) can change
 * without losing anything.
 */
export const PLAN_SECTION_IDS = [
  'support',
  'sharing',
  'conversations',
  'disagreement',
  'break',
  'asks',
  'outside',
] as const;

export type PlanSectionId = (typeof PLAN_SECTION_IDS)[number];

export function isPlanSection(id: string): id is PlanSectionId {
  return (PLAN_SECTION_IDS as readonly string[]).includes(id);
}
