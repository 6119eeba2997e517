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

  // The page title, always: the tab, the history and the app switcher show it.
  documentTitle: 'Support Circle',

  // Leaving quickly. The words are short so they fit a thumb-sized button at 320 px.
  leaveNow: 'Leave now',
  leaveRegion: 'Leave quickly',
  leaveNowSkipLink: 'Leave this page now',
  leaveShiftTwoMore: 'Press Shift 2 more times to leave.',
  leaveShiftOneMore: 'Press Shift 1 more time to leave.',

  // Locking.
  lockNow: 'Lock now',
  lockedHeading: 'Support Circle is locked',
  lockedText: 'What you wrote is hidden until you open the app again.',
  unlock: 'Open',

  // Told once: leaving hides the app but leaves a trace in the browser.
  historyNoticeHeading: 'Before you need to leave quickly',
  historyNoticeLeave:
    '“Leave now” closes this app straight away and opens an ordinary page instead. ' +
    'On a keyboard, pressing Shift three times does the same.',
  historyNoticeTrace:
    'Leaving does not erase your browser’s history. Someone who looks at it could see that this site was open.',
  historyNoticeHowTo:
    'To remove it, open your browser’s History, find this site and delete it. ' +
    'On an iPhone, in Safari, open History and swipe left on the entry.',
  historyNoticeKeepData:
    'Delete history only. Do not choose “clear site data”, “cookies and site data” or ' +
    '“clear history and website data”: that also deletes what you keep in this app on this device.',
  historyNoticeDismiss: 'I understand',
} as const;
