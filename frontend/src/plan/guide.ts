/**
 * The support plan's guided sections, in one place so they can be translated; the words for
 * allies' roles and standings are with the other strings (ui/strings.ts). Written in our own plain
 * words (domain.md: never a toolkit's text). Every question is optional; nothing here is ever sent
 * anywhere — only a person's answers are, encrypted, and only when they choose to share them.
 */

/** One guided section of the plan: a question to think about, and why it can help. */
export interface PlanSection {
  /** Stable id: stored with the answer, so wording can change without losing anything. */
  readonly id: string;
  readonly title: string;
  readonly why: string;
  /** Gentle prompts shown under the answer box; never required. */
  readonly prompts: readonly string[];
}

export const PLAN_SECTIONS: readonly PlanSection[] = [
  {
    id: 'support',
    title: 'Who I go to for support',
    why: 'Knowing who you can turn to makes it easier to reach out when things are hard.',
    prompts: ['Who listens to me without judging?', 'Who helps me feel steady when I start blaming myself?'],
  },
  {
    id: 'sharing',
    title: 'What I share, and with whom',
    why: 'You decide what each person knows. Sharing a little at a time, on purpose, keeps you in control.',
    prompts: ['What does each person need to know to help me?', 'What do I want to keep to myself for now?'],
  },
  {
    id: 'conversations',
    title: 'Hard conversations ahead',
    why: 'Thinking ahead about difficult talks can make them feel less overwhelming.',
    prompts: [
      'Who could talk with the person who harmed me?',
      'Do I want to be part of every conversation, or hear about them afterwards?',
      'How do I want to get ready?',
    ],
  },
  {
    id: 'disagreement',
    title: 'When others disagree with me',
    why: 'Not everyone will see things the way you do. Planning for that can make it easier to stay steady.',
    prompts: ['How do I want to respond?', 'Who can stand with me when that happens?'],
  },
  {
    id: 'break',
    title: 'When I need a break',
    why: 'Taking a break is allowed. It helps to know who can keep things going while you rest.',
    prompts: ['Who can I talk to?', 'Who can let the others know?', 'Who can speak for me while I step back?'],
  },
  {
    id: 'asks',
    title: 'What I want from the people involved',
    why: 'Clear asks help the people around you know how to help.',
    prompts: ['What would I like each person to do?', 'Would I like help to speak up, and from whom?'],
  },
  {
    id: 'outside',
    title: 'Support outside all of this',
    why: 'Healing can happen in many places. People, places and routines that help you rebuild matter too.',
    prompts: ['Which people, places or habits help me feel more like myself?'],
  },
];
