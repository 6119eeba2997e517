/**
 * Every text the app shows, in one place so it can be translated. English first.
 * Texts never contain anything a person typed: the title bar and the app switcher show them.
 */
export const strings = {
  appName: 'Support Circle',
  welcomeHeading: 'A private place for your support plan',
  welcomeIntro:
    'Support Circle helps you keep your support plan and the people who stand with you in one place. ' +
    'What you write is encrypted on this device, and only the people you choose can read what you share.',
  offlineReady: 'Ready to use without internet on this device.',
  offlinePreparing: 'Getting ready to work without internet…',
  offlineUnsupported:
    'This browser cannot keep the app for use without internet. It still works while you are online.',
  serverChecking: 'Checking the connection to your organisation’s server…',
  serverReachable: 'Connected to your organisation’s server.',
  serverUnreachable: 'No connection to the server right now. That is fine: the app works without it.',
  updateReady: 'A new version of the app is ready.',
  updateNow: 'Update now',
  updateLater: 'Later',
} as const;
