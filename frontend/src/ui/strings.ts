/**
 * Every text the app shows, in one place so it can be translated. English first: another language's
 * words replace these before the first screen is drawn (ui/language.ts, docs/translating.md), so
 * read them when drawing, never into a table made as a module loads (that table would stay English).
 * Texts never contain anything a person typed: the title bar and the app switcher show them.
 * The words for a record's values (roles, standings, purposes, feelings) are keyed by the
 * generated types, so a value the schema adds is refused here until it has words.
 */
import type { PlanSectionId } from '../plan/guide';
import type { AllyRole, AllyStatus, CirclePurpose, Feeling } from '../records';
import type { DeviceKind } from '../sync/engine';
import type { InviteCaution } from './allyMap';

/** A plan section's words: what to think about, why it can help, and prompts under the answer. */
interface PlanSectionWords {
  readonly title: string;
  readonly why: string;
  readonly prompts: readonly string[];
}

/** A choice's words: what it is, and a line that helps a person choose it. */
interface LabelAndHint {
  readonly label: string;
  readonly hint: string;
}

export const strings = {
  welcomeHeading: 'A private place for your support plan',
  welcomeIntro:
    'Support Circle helps you keep your support plan and the people who stand with you in one place. ' +
    'What you write is encrypted on this device, and only the people you choose can read what you share.',
  offlineReady: 'Ready to use without internet on this device.',
  offlinePreparing: 'Getting ready to work without internet…',
  offlineRemoved:
    'The copy kept for use without internet was removed too. Open this page while online to use the app again.',
  offlineUnsupported: 'This browser cannot keep the app for use without internet. It still works while you are online.',
  serverChecking: 'Checking the connection to your organisation’s server…',
  serverReachable: 'Connected to your organisation’s server.',
  serverUnreachable: 'No connection to the server right now. That is fine: the app works without it.',
  updateReady: 'A new version of the app is ready.',
  updateNow: 'Update now',
  updateLater: 'Later',

  // How the app appears (ui/disguise.ts): the tab, the history, the app switcher, the home screen
  // and the lock screen show this name. None but the first says what the app is.
  disguiseNames: { plain: 'Support Circle', notes: 'Notes', recipes: 'Recipes', budget: 'Budget' },
  disguiseHeading: 'How this app shows on this device',
  disguiseHelp:
    'Someone who picks up this phone sees this name and icon: on the tab, in the browser’s history, on the ' +
    'home screen and when the app is locked. Choose before you add the app to your home screen: a phone keeps ' +
    'the name and icon it was added with. You can change this later in Settings.',
  disguisePlainHint: 'Its own name.',
  disguiseEverydayHint: 'Looks like an everyday app.',
  // With a disguise, the lock screen keeps the line for someone in danger behind a plain word.
  dangerLineDisguised: 'Help',

  // Leaving quickly. The words are short so they fit a thumb-sized button at 320 px.
  leaveNow: 'Leave now',
  leaveRegion: 'Leave quickly',
  leaveNowSkipLink: 'Leave this page now',
  leaveShiftTwoMore: 'Press Shift 2 more times to leave.',
  leaveShiftOneMore: 'Press Shift 1 more time to leave.',

  // Locking.
  lockNow: 'Lock now',

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
  dangerLineFallback: 'If you are in danger now, call your local emergency number.',
  limitsHeading: 'What this app cannot protect you from',
  limits: [
    'Someone who knows your passphrase, or sees you type it, can open the app.',
    'Monitoring software on this phone or computer can see what is on the screen and what you type.',
    'A screenshot or a photo of the screen taken while the app is open.',
    'The history of other sites and apps, and messages about your plan you sent some other way.',
  ],
  limitsHelp:
    'If you think this device is being watched, use the app on a device the person doing harm has never had, ' +
    'or talk it through with a support service first.',

  // First run.
  firstRunPassphraseHeading: 'Choose a passphrase',
  firstRunPassphraseHelp:
    'You will type it each time you open the app. A few words that only you would put together work well. ' +
    'If someone might make you open the app, choose one they could not guess.',
  passphrase: 'Passphrase',
  passphraseAgain: 'Type it again',
  passphraseMismatch: 'The two passphrases are not the same yet.',
  passphraseTooShort: 'Please use at least 8 characters.',
  passphraseTooCommon:
    'This is one of the passphrases people try first, so it would not keep your plan safe. A few words that only you would put together work well.',
  strengthCheckOffline:
    'Without internet, the app cannot check your passphrase against the ones people choose most. Choose one no one could guess.',
  strengthWeak: 'Easy to guess. Adding a few more words would make it much stronger.',
  strengthFair: 'Fair. Another word or two would make it stronger.',
  strengthGood: 'Good: hard to guess.',
  strengthStrong: 'Strong.',
  syncChoice: 'Keep a copy in sync with the server this app came from',
  syncChoiceHelp:
    'The server only ever stores locked (encrypted) data it cannot read. It lets you use your plan on another of your devices. You can change this later in Settings.',
  registrationCode: 'Registration code (if you were given one)',
  registrationCodeHelp:
    'Some organisations give one out before their server keeps a copy for a new device. If you have none, leave this empty: the app tells you if one is needed, and you can add it later in Settings.',
  createVault: 'Set up my private space',
  creatingVault: 'Setting up… this takes a few seconds.',
  otherServerSummary: 'My organisation gave me another address',
  otherServerHelp:
    'Each organisation’s server has its own copy of this app, and the app keeps your plan in sync only with the server it was opened from. ' +
    'So open the app from the address you were given and set it up there. What is on this device stays here; a backup file can bring it across.',
  otherServerAddress: 'The address you were given',
  otherServerSame: 'That is the server this app came from already.',
  otherServerOpen: (host: string) => `Open the app at ${host}`,
  fromServerOffer: 'I used the app on another device',
  fromServerHeading: 'Bring your plan here with your recovery key',
  fromServerHelp:
    'If your plan was kept in sync with this server on another device, the recovery key you kept from that device can bring it here. ' +
    'Use this if that device is lost, broken or in someone else’s hands: it will be unlinked, so it keeps what it had but gets nothing new.',
  fromServerButton: 'Bring my plan here',
  fromServerBusy: 'Bringing your plan here… this takes a few seconds.',
  fromServerBack: 'Back to setting up a new plan',
  restoreHeading: 'Already have a backup?',
  restoreHelp: 'If you saved a backup file from Support Circle, you can bring it back here.',
  restoreFile: 'Backup file',
  restore: 'Bring back my backup',
  restored: 'Your backup is back. Open it with the passphrase you used when you saved it.',

  // The recovery key, shown once.
  recoveryHeading: 'Your recovery key',
  recoveryHelp:
    'If you ever forget your passphrase, this key is the only way back in. While your plan syncs, it can also bring ' +
    'your plan to a new phone if this one is lost. So anyone who finds it could do the same: write it down or keep it ' +
    'somewhere safe that the person who harmed you cannot reach. It will not be shown again.',
  recoveryKept: 'I have kept my recovery key somewhere safe',
  recoveryContinue: 'Continue',

  // Unlock.
  unlockHeading: 'Welcome back',
  unlockHelp: 'Type your passphrase to open.',
  unlockButton: 'Open',
  unlocking: 'Opening…',
  waitSeconds: (seconds: number) => `You can try again in ${waitFor(seconds)}. Take a breath; there is no rush.`,
  waitOver: 'You can try again now.',
  unlockWaitReason: 'After a few wrong passphrases, the app waits a little before the next try.',
  forgotPassphrase: 'I forgot my passphrase',
  recoverHeading: 'Open with your recovery key',
  recoverHelp: 'Type the recovery key you kept when you set up the app, then choose a new passphrase.',
  recoveryKey: 'Recovery key',
  newPassphrase: 'New passphrase',
  recoverButton: 'Open and set the new passphrase',
  backToUnlock: 'Back to the passphrase',

  // The open app.
  navLabel: 'Sections of the app',
  navPlan: 'My plan',
  navAllies: 'My allies',
  navSettings: 'Settings',
  navCircles: 'Circles',
  loading: 'Opening…',
  saved: 'Saved on this device.',
  saving: 'Saving…',
  saveFailed: 'This could not be saved. What you typed is still here; please try again.',
  save: 'Save',
  cancel: 'Cancel',
  draftUnsaved: 'Not saved yet. What you typed is kept on this phone until you save it or discard it.',
  discardChanges: 'Discard changes',
  discardAsk: 'Throw away what you typed here and not saved? It cannot be brought back.',
  discardYes: 'Yes, throw it away',
  discardNo: 'No, keep it',

  // Sync status.
  syncOff: 'Kept on this device only.',
  syncOffline: (count: number) =>
    count === 0
      ? 'You’re offline. Everything you saved is on this phone.'
      : `You’re offline. ${count === 1 ? '1 change waits' : `${count} changes wait`} on this phone and will sync when you’re connected again.`,
  syncStillOffline: 'Still offline: nothing could be sent just now. It will go by itself once you’re connected.',
  syncSyncing: 'Syncing…',
  syncUpToDate: 'Up to date.',
  syncWaiting: (count: number) => (count === 1 ? '1 change waiting to sync.' : `${count} changes waiting to sync.`),
  // What the person's own circle set aside (PROTOCOL §7), said beside the sync status until read.
  syncNotices: {
    placed_late:
      'The server passed on something from one of your devices after you unlinked it. It was not used. ' +
      'Tell the organisation that runs the server; your plan and allies are as they were.',
    clock_ahead:
      'Something from one of your devices was dated more than a day in the future, so it was not used. ' +
      'Check the date and time on your other devices, then make the change again there.',
  },
  syncNoticeDismiss: 'Got it',
  syncNow: 'Sync now',

  // The plan.
  planHeading: 'My support plan',
  planIntro:
    'These questions are here to help you think. Every one is optional: skip any, come back any time. ' +
    'Answers are private unless you mark them as ones you may share.',
  planProgress: (answered: number, total: number) => `You have written something in ${answered} of ${total} sections.`,
  // The support plan's guided sections (plan/guide.ts keeps their ids and order): what to think
  // about, why it can help, and gentle prompts under the answer box, never required.
  planSections: {
    support: {
      title: 'Who I go to for support',
      why: 'Knowing who you can turn to makes it easier to reach out when things are hard.',
      prompts: ['Who listens to me without judging?', 'Who helps me feel steady when I start blaming myself?'],
    },
    sharing: {
      title: 'What I share, and with whom',
      why: 'You decide what each person knows. Sharing a little at a time, on purpose, keeps you in control.',
      prompts: ['What does each person need to know to help me?', 'What do I want to keep to myself for now?'],
    },
    conversations: {
      title: 'Hard conversations ahead',
      why: 'Thinking ahead about difficult talks can make them feel less overwhelming.',
      prompts: [
        'Who could talk with the person who harmed me?',
        'Do I want to be part of every conversation, or hear about them afterwards?',
        'How do I want to get ready?',
      ],
    },
    disagreement: {
      title: 'When others disagree with me',
      why: 'Not everyone will see things the way you do. Planning for that can make it easier to stay steady.',
      prompts: ['How do I want to respond?', 'Who can stand with me when that happens?'],
    },
    break: {
      title: 'When I need a break',
      why: 'Taking a break is allowed. It helps to know who can keep things going while you rest.',
      prompts: ['Who can I talk to?', 'Who can let the others know?', 'Who can speak for me while I step back?'],
    },
    asks: {
      title: 'What I want from the people involved',
      why: 'Clear asks help the people around you know how to help.',
      prompts: ['What would I like each person to do?', 'Would I like help to speak up, and from whom?'],
    },
    outside: {
      title: 'Support outside all of this',
      why: 'Healing can happen in many places. People, places and routines that help you rebuild matter too.',
      prompts: ['Which people, places or habits help me feel more like myself?'],
    },
  } satisfies Record<PlanSectionId, PlanSectionWords>,
  planAnswer: 'Your answer',
  planShareable: 'I may share this answer with people I choose',
  planPrivate: 'Private: only on your devices.',
  planShareableNote:
    'Shareable: nothing is shared until you share it with a circle. Once you do, your changes to it are shared too.',
  sharedWithCircles: (names: readonly string[]) =>
    `Shared with: ${names.map((n) => (n === '' ? 'a circle' : n)).join(', ')}.`,
  planAllies: 'People this answer is about',
  planNoAllies: 'Add people in “My allies” to link them here.',
  conflictHeading: 'Another of your devices changed this at the same time',
  conflictKeep: 'I have looked at it',
  conflictOther: 'The other version:',
  conflictBy: (who: string) => `Written by ${who}:`,
  /** Where in a text the other version's words belong: the text's words there now. */
  conflictAt: (words: string) => `In place of “${words}”`,
  conflictAtRemoved: 'Where words were taken out',

  // Allies.
  alliesHeading: 'My allies',
  alliesIntro:
    'The people who stand with you, the people who might with some help, and the people to be careful with. ' +
    'This list stays on your devices. You can share an ally’s name and how to reach them with a circle; never your notes about them.',
  alliesEmpty: 'No one is on your list yet.',
  alliesFilter: 'Show',
  alliesFilterAll: 'Everyone',
  addAlly: 'Add a person',
  editAlly: 'Edit',
  removeAlly: 'Remove',
  removeAllyConfirm: 'Remove this person from your list?',
  removeAllyYes: 'Yes, remove',
  allyFormAdd: 'Add a person',
  allyFormEdit: 'Edit this person',
  allyName: 'Name or nickname',
  allyNameMissing: 'Please give a name or a nickname, so you can tell people apart.',
  allyReach: 'How to reach them',
  allyRoles: 'What they do',
  allyStatus: 'Where they stand',
  allyKnows: 'What they know',
  allyShouldKnow: 'What I want them to know',
  allyAvailability: 'When they are available',
  allyTrust: 'Notes about trust',
  // What an ally does; a person may have several roles.
  roles: {
    'supports-me': { label: 'Supports me', hint: 'Listens, helps me feel steady, speaks up with or for me.' },
    'supports-person-doing-harm': {
      label: 'Works with the person who harmed me',
      hint: 'Helps them see what they did, stop, and take responsibility — without excusing it, and not to humiliate or punish them.',
    },
    facilitator: { label: 'Facilitator', hint: 'Helps the group hold the process together.' },
    'supports-allies': {
      label: 'Supports the others',
      hint:
        'Looks after how everyone else is doing. An intervention does not always lead to healing, and people in it ' +
        'can end up feeling alone or blamed.',
    },
  } satisfies Record<AllyRole, LabelAndHint>,
  // Where a person stands for me: only ever visible to me.
  statuses: {
    ally: { label: 'With me', hint: 'Someone I can count on.' },
    maybe: { label: 'Maybe, with some help', hint: 'Could become an ally if they understood more.' },
    barrier: {
      label: 'Careful',
      hint: 'Might take the other side or pass things on. This stays private to you.',
    },
  } satisfies Record<AllyStatus, LabelAndHint>,
  // The allies map: a line under each standing's heading.
  standingGroups: {
    ally: 'The people you can count on. Think about what each of them needs to know, and what they do not.',
    maybe:
      'People who could stand with you with some help. You could share a little at a time and see how they respond, ' +
      'or ask someone you trust to talk with them first.',
    barrier:
      'People who might take the other side or pass things on. Only you see this. Think twice before you share ' +
      'anything with them or invite them to a circle.',
  } satisfies Record<AllyStatus, string>,
  // Finding allies, not only listing them: questions to think with, never required.
  findAlliesHeading: 'Who else could stand with you?',
  findAlliesIntro:
    'Much of this work is finding good allies. These questions may bring to mind people who are not on your list yet.',
  findAlliesPrompts: [
    'Who has listened to you before without judging you?',
    'Who helps you feel steady when guilt or shame take over?',
    'Who could help in practical ways: a lift, a meal, a bed for a night, looking after the children?',
    'Who among your whānau, friends, workmates, or a faith or community group might help if they understood more?',
    'Who does the person who harmed you listen to and respect, who might help them stop and take responsibility?',
    'Who could look after the people who support you?',
  ],
  approachHeading: 'Reaching out to someone',
  approachPrompts: [
    'You do not have to tell them everything. Decide what they need to know, and what they do not.',
    'Start small: share a little and see how they respond.',
    'Choose a safe time and a safe way to reach them.',
    'Someone you already trust could talk with them first.',
    'A “maybe” can come closer with time. Add them as a maybe and come back to them later.',
  ],
  // One person in both roles (the toolkit: those supporting the person doing harm to take
  // responsibility might not be the best people to closely support you).
  bothRolesFlag:
    'Supports you and also works with the person who harmed you. Someone helping them take responsibility may not ' +
    'be the best person to support you closely. You could ask someone else to be close to you, and keep in mind what you tell them.',
  // Inviting a person on the list to a circle.
  inviteAlly: 'Invite to a circle',
  inviteAllyFor: (name: string) => `Invite to a circle: ${name}`,
  inviteAllyCircle: 'Which circle?',
  inviteAllyNeedSync: 'Inviting someone needs sync. Turn it on in Settings.',
  inviteAllyNoCircles: 'You can invite people to the circles you started. Start one under “Circles” first.',
  inviteAllyCautions: {
    careful:
      'You marked this person as someone to be careful with. In a circle they can read everything shared with it, ' +
      'and could pass it on. Invite them only if you are sure.',
    'works-with-harm':
      'This person works with the person who harmed you. People supporting them to take responsibility may not be ' +
      'the best people to support you closely in this circle.',
  } satisfies Record<InviteCaution, string>,
  inviteAllyConfirm: 'I have thought about this and still want to invite them',
  inviteAllyMake: 'Make an invite link',
  inviteAllyApprove: 'When they ask to join, open the circle under “Circles” to approve them.',
  inviteAllyClose: 'Close',

  // Settings.
  settingsHeading: 'Settings',
  settingsSaved: 'Settings saved.',
  lockAfter: 'Lock the app after this long without use',
  minutes: (count: number) => (count === 1 ? '1 minute' : `${count} minutes`),
  exitTarget: 'Where “Leave now” goes',
  exitTargetHelp:
    'An ordinary web address, such as a news or weather site. Leave it empty for a built-in recipe page, which also works offline.',
  exitTargetInvalid: 'Please use a full web address starting with https://, or leave it empty.',
  syncSetting: 'Sync with the server this app came from',
  registrationCodeSettingsHelp:
    'Only needed if the organisation that runs the server asks for one. This device sends it when it first syncs there.',
  persistenceGranted: 'This browser has agreed to keep the app’s data.',
  persistenceRefused:
    'This browser may delete the app’s data if the device runs low on space. Save a backup now and then. ' +
    'On an iPhone or iPad, adding the app to your home screen helps the browser keep it.',
  persistenceUnsupported: 'This browser cannot promise to keep the app’s data. Save a backup now and then.',
  devicesHeading: 'My other devices',
  devicesHelp: 'Use the same plan on another phone or computer. Both stay in sync through the server, encrypted.',
  devicesNeedSync: 'Turn on sync above to link another device.',
  makeLink: 'Make a link for my other device',
  linkMade: 'Open this link on your other device within 24 hours. Keep it private: it works once.',
  linkQr: 'The same link as a QR code',
  checkRequests: 'Check for devices asking to join',
  noRequests: 'No device is asking to join right now.',
  requestSafety: 'Safety number:',
  requestCompare:
    'Approve only if your other device shows exactly the same number. If it does not, or you do not know the device, turn it down.',
  approve: 'Approve',
  approved: 'Approved. Your other device will sync in a moment.',
  declineLink: 'Turn down',
  linkDeclined:
    'Turned down. That device gets nothing from your plan. To link one of your own devices, make a new link.',
  joinHeading: 'Use the plan from my other device',
  joinHelp:
    'On your other device, make a link in Settings, then paste it here. What is on this device now will be replaced by that plan.',
  joinLink: 'Link from my other device',
  join: 'Ask to join',
  joinWaiting: (safety: string) =>
    `Waiting for your other device to approve. Check that it shows this safety number: ${safety}`,
  joinDone: 'This device now has your plan.',
  reviewDevicesLabel: 'Check your devices',
  reviewDevices:
    'Your plan is here, and the device your recovery key came from is unlinked. Other devices are still linked to your plan. ' +
    'If you do not recognise one, or someone else has it, unlink it now.',
  reviewDevicesButton: 'Check my devices',
  linkedHeading: 'Devices that share this plan',
  linkedRefresh: 'Check my devices again',
  thisDevice: '(this device)',
  unnamedDevice: 'A device that has not synced yet',
  // The name a device first gives itself, by what its browser says it runs on; the person can change it.
  deviceKinds: {
    ipad: 'iPad',
    iphone: 'iPhone',
    'android-phone': 'Android phone',
    'android-tablet': 'Android tablet',
    chromebook: 'Chromebook',
    mac: 'Mac',
    windows: 'Windows computer',
    linux: 'Linux computer',
    other: 'A device',
  } satisfies Record<DeviceKind, string>,
  lastSynced: (day: string, today: string) =>
    day === '' ? 'Not synced yet' : day === today ? 'Last synced today' : `Last synced on ${readableDay(day)}`,
  deviceName: 'Name of this device',
  deviceNameHelp: 'Only your own devices see this name. The server never does.',
  saveDeviceName: 'Save name',
  deviceNameSaved: 'Saved. Your other devices will show the new name after they sync.',
  unlink: (name: string) => `Unlink: ${name}`,
  unlinkConfirm: (name: string) =>
    `Unlink ${name}? It keeps what is on it now, but gets nothing new from here on. If it was lost or someone else has it, also change your passphrase.`,
  unlinkYes: 'Yes, unlink it',
  unlinkNo: 'Keep it',
  unlinked: (name: string) => `${name} is unlinked. It will get nothing new.`,
  backupHeading: 'Backup',
  // A neutral file name (a download list is as visible as a browser's history), without its extension.
  backupFileName: (day: string) => `backup-${day}`,
  backupHelp:
    'A backup file is encrypted: it opens only with the passphrase you had when you saved it. Keep it somewhere safe.',
  exportBackup: 'Save a backup file',
  changePassphraseHeading: 'Change passphrase',
  currentPassphrase: 'Current passphrase',
  changePassphrase: 'Change passphrase',
  passphraseChanged: 'Your passphrase has been changed.',
  oldBackupsStillOpen:
    'Backup files you saved before this still open with your old passphrase. Save a new backup file now, then delete the old ones.',
  newRecoveryHeading: 'A new recovery key',
  newRecoveryHelp:
    'If someone may have seen your recovery key, or you have lost it, make a new one. The old key stops opening the app ' +
    'on this device at once, and stops bringing your plan to a new device once this device has synced.',
  newRecoveryButton: 'Make a new recovery key',
  newRecoveryBusy: 'Making a new recovery key…',
  newRecoveryShown:
    'This is your new recovery key. Your old one no longer works. Keep this one where no one else can find it: it will not be shown again.',
  wipeHeading: 'Remove everything from this device',
  wipeHelp:
    'This deletes your plan, your allies and your keys from this device straight away. It cannot be undone. ' +
    'Copies on your other devices and backup files are not affected.',
  wipeConfirm: 'Type DELETE to confirm',
  wipeWord: 'DELETE',
  wipe: 'Remove everything',
  wiped: 'Everything has been removed from this device.',
  // Shown once a device the person unlinked from another of theirs has erased itself (§17): plain
  // words, nothing of what was here, so it says little to whoever holds the device.
  unlinkedHeading: 'This device was removed',
  unlinkedBody:
    'It was unlinked by another of your devices, so everything that was on it has been erased. ' +
    'Nothing on your other devices has changed.',
  unlinkedStart: 'Start again',
  wipeAfterHeading: 'Erase after wrong passphrases',
  wipeAfterWarning:
    'This device can erase everything if the wrong passphrase is typed several times in a row. Whoever types it, ' +
    'you too, erases your plan and allies here for good: only a backup file or another linked device brings them back.',
  wipeAfterLabel: 'Erase this device after',
  wipeAfterNever: 'Never',
  wipeAfterCount: (count: number) => `${count} wrong passphrases in a row`,
  wipeAfterOn: (count: number) => `Saved. This device will be erased after ${count} wrong passphrases in a row.`,
  wipeAfterOff: 'Saved. Wrong passphrases will never erase this device.',

  // The duress passphrase (§5 "Duress wrap"): for when someone makes the person open the app.
  duressHeading: 'A second passphrase, for when you are made to open this app',
  duressIntro:
    'If someone makes you open this app, you can type a second passphrase instead of yours. Nothing on this ' +
    'device shows that a second passphrase exists, and opening with it takes as long as with yours.',
  duressLimits:
    'It cannot hide that this app is on the phone, and someone who knows this app well may guess a second ' +
    'passphrase could exist. The separate space never connects to a server, so it shows no sync and no circles.',
  duressSetDecoy: 'A second passphrase is set. It opens a separate space.',
  duressSetWipe: 'A second passphrase is set. It erases this device.',
  duressNotSet: 'No second passphrase is set.',
  duressChanged:
    'The second passphrase you set was changed or removed on this device since. Set it again, so you know which one works.',
  duressDoesLabel: 'What the second passphrase does',
  duressDecoy: 'Open a separate, plain space',
  duressDecoyHint:
    'It starts empty. To prepare it, lock the app and open it with the second passphrase, then add what you ' +
    'want someone to see. Nothing added there reaches your own plan, and it is never sent anywhere.',
  duressWipe: 'Erase this device',
  duressWipeHint:
    'Everything here is removed at once and the app opens as if new. Your plan comes back only from a backup ' +
    'file, another linked device or your recovery key.',
  duressPassphrase: 'Second passphrase',
  duressSave: 'Set the second passphrase',
  duressRemove: 'Remove the second passphrase',
  duressSaved: 'Saved. Lock the app and try it, so you know it works.',
  duressRemoved: 'Removed. Only your own passphrase opens this app now.',
  duressReplaces: 'Setting it again replaces the second passphrase and empties the separate space.',

  // Circles.
  // A possible facilitator (the toolkit: anyone can facilitate; send them an explanation first).
  facilitatorHeading: 'Looking for a facilitator?',
  facilitatorText:
    'Anyone can facilitate: a friend, a relative or whanaunga, someone from your community, or a professional. ' +
    'This way of working may be new to them, or the rules of their work may not allow it. Send them a short ' +
    'page that explains it, and see whether they are comfortable before you ask.',
  facilitatorSend: 'Send them the explanation',
  facilitatorShareTitle: 'Would you help facilitate?',
  facilitatorCopied: 'The link is copied. Paste it into a message to them.',
  facilitatorLinkLabel: 'Link to the explanation (copy it into a message)',
  facilitatorPageSafe: 'The page says nothing about you or anyone else, so it is safe to send.',
  circlesHeading: 'Circles',
  circlesIntro:
    'A circle is a group of people working together, each with their own app. Only the members of a circle can read what is in it, ' +
    'and they see only what you choose to share with it. Your linked devices, and a phone you bring your plan to ' +
    'with your recovery key, all show every circle you are in.',
  circlesNeedSync: 'Circles need sync. Turn it on in Settings to start or join a circle.',
  circlesEmpty: 'You are not in any circle yet.',
  circlesListLabel: 'Your circles',
  circleOpen: 'Open',
  circleUnnamed: 'A circle (its name has not arrived yet)',
  startCircleHeading: 'Start a circle',
  startCircleHelp: 'You will be its admin: you invite people, approve them, and choose what the circle sees.',
  circleName: 'Name of the circle',
  circleNameHint: 'Members will see this name. Choose one that says nothing if someone else sees it.',
  circlePurpose: 'What is this circle for?',
  myNameInCircle: 'Your name in this circle',
  myNameHint: 'What the other members will see. A first name or a nickname is enough.',
  startCircle: 'Start the circle',
  purposes: {
    'supports-me': 'Supporting me',
    'supports-person-doing-harm': 'Supporting the person doing harm to take responsibility',
    'supports-allies': 'Allies supporting each other',
    other: 'Something else',
  } satisfies Record<CirclePurpose, string>,
  standingMember: 'Member',
  standingAdmin: 'Admin',
  standingRemoved: 'No longer a member',
  removedHere:
    'You are no longer a member of this circle: an admin removed you, or you left. You keep what you already had here; nothing new arrives.',
  leftHere: 'You left this circle. You keep what you already had here; nothing new arrives.',
  checkAgain: 'Check with the server again',
  circleProblem: 'Warning: something the server sent for this circle did not check out, so it was not used.',
  circleProblemHelp:
    'Your data on this device is safe. This can mean the server was changed or tampered with. Tell your admin or the organisation that runs the server.',
  backToCircles: 'Back to all circles',
  unreadableFrom: (names: readonly string[]) =>
    `Something from ${names.map((n) => (n === '' ? 'a member' : n)).join(' and ')} could not be read.`,
  unreadableHelp:
    'It was set aside; the rest of this circle is fine and keeps syncing. You could ask them to write it again.',
  unreadableSeen: 'OK, I have seen this',
  placedLateFrom: (names: readonly string[]) =>
    `The server tried to pass you something written by ${names.map((n) => (n === '' ? 'a former member' : n)).join(' and ')} after they were removed or left.`,
  placedLateHelp:
    'It was not used. Nothing they write now can reach this circle through this app. The server let it in, so tell the organisation that runs the server; the rest of this circle is fine and keeps syncing.',
  clockAheadFrom: (names: readonly string[]) =>
    `Something from ${names.map((n) => (n === '' ? 'a member' : n)).join(' and ')} was dated more than a day in the future, so it was set aside.`,
  clockAheadHelp:
    'Their device’s clock may be wrong. Ask them to check its date and time and write it again; the rest of this circle is fine.',
  withheldFrom: (names: readonly string[]) =>
    `The server did not pass on something ${names.map((n) => (n === '' ? 'a member' : n)).join(' and ')} wrote, or passed on an older version of it again.`,
  withheldHelp:
    'Ask them what they last wrote, and read it together. If it is missing here, tell the others in the circle and the organisation that runs the server: it may be holding things back. The rest of this circle keeps syncing, and nothing you wrote is lost.',

  joinCircleHeading: 'Join a circle',
  joinCircleHelp:
    'Someone sent you an invite link. Joining asks the circle’s admin to let you in; the link alone does not.',
  inviteLinkLabel: 'Invite link',
  joinCircle: 'Ask to join',
  myJoinsLabel: 'Your requests to join',
  joinWaitingCircle:
    'Waiting for the admin to approve you. Check that this safety number matches the one on their screen: ',
  joinDeclinedCircle: 'The admin did not let you in, or the invite was withdrawn.',
  joinFailedCircle:
    'You were let in, but the circle did not check out, so it was not joined. This can mean the server was changed or tampered with. Ask the person who invited you.',
  dismiss: 'OK',

  peopleHeading: 'People in this circle',
  unnamedMember: 'Someone whose name has not arrived yet',
  you: '(you)',
  facilitator: 'Facilitator',
  makeFacilitator: 'Name as facilitator',
  unmakeFacilitator: 'No longer facilitator',
  // A well-being role: someone who looks after how everyone in the circle is doing.
  wellbeing: 'Looks after well-being',
  makeWellbeing: 'Ask to look after well-being',
  unmakeWellbeing: 'No longer looks after well-being',
  wellbeingHelp:
    'Long, heavy work can leave people worn out, alone or blamed, and it does not always lead to healing. ' +
    'Someone who looks after well-being checks in on people and notices who is carrying too much.',
  // A gentle flag by a member whose newest check-in says they are not okay.
  struggleFlags: {
    struggling: 'Checked in as struggling. A kind word or a call may help.',
    'need-break': 'Needs a break. Others might take over what they were holding.',
  } satisfies Record<Exclude<Feeling, 'okay'>, string>,
  safetyNumberWith: 'Safety number:',
  safetyNumberHelp:
    'Compare it with the one on their screen, in person or by a call. If they match, no one is in between.',
  makeAdmin: 'Make admin',
  makeAdminConfirm:
    'Make this person an admin? They can then invite and let people in, remove people, name other admins and share into the circle as you do.',
  makeAdminYes: 'Yes, make them an admin',
  madeAdmin: 'They are now an admin of this circle.',
  makeMember: 'Make a member',
  makeMemberConfirm: 'Make this person a member again? They will no longer be able to let people in or remove anyone.',
  makeMemberYes: 'Yes, make them a member',
  madeMember: 'They are now a member, no longer an admin.',
  onlyAdminLeave:
    'You are the only admin of this circle. Before you leave, choose someone to become an admin, so someone can still let people in and look after the circle.',
  onlyAdminAlone:
    'You are the only person in this circle, so there is no one to hand it to. Invite someone and make them an admin before you leave.',
  chooseAdmin: 'Choose who becomes an admin:',
  makeAdminOf: (name: string) => `Make ${name} an admin`,
  removeMember: 'Remove from the circle',
  removeMemberConfirm:
    'Remove this person? They keep what they have already seen, but nothing new reaches them: the circle gets a new key that they do not have.',
  removeMemberYes: 'Yes, remove them',
  memberRemoved: 'They were removed. The circle has a new key.',
  leaveCircle: 'Leave this circle',
  leaveCircleConfirm: 'Leave this circle? You keep what you have already seen here, but nothing new will reach you.',
  leaveCircleYes: 'Yes, leave',

  inviteHeading: 'Invite someone',
  inviteHelp:
    'Each link works once and for a few days. Send it by a way only that person can read. Nobody gets in until you approve them.',
  inviteFor: 'Who is this invite for?',
  inviteForHint: 'Only you see this, to know who is asking.',
  makeInvite: 'Make an invite link',
  inviteMade: (until: string) => `Send this link to them. It works once, until ${until}.`,
  inviteQr: 'The invite link as a QR code',
  openInvitesLabel: 'Invite links not used yet',
  openInvite: (label: string, until: string) => `For ${label}, works until ${until}.`,
  withdrawInvite: 'Withdraw',
  withdrawInviteFor: (label: string) => `Withdraw the invite for ${label}`,
  inviteWithdrawn: 'Withdrawn. That link no longer works.',
  requestsHeading: 'Asking to join',
  checkJoinRequests: 'Check for requests',
  noJoinRequests: 'Nobody is asking to join right now.',
  requestFrom: (label: string) => `Someone with your invite for ${label}`,
  requestOnOthersInvite: (admin: string) =>
    admin === ''
      ? 'Someone with an invite another admin of this circle made. Ask that admin who it was for.'
      : `Someone with an invite ${admin} made, as an admin of this circle. Ask ${admin} who it was for.`,
  requestCompareCircle: 'Ask them for the number on their screen. Approve only if it matches this one.',
  approveJoin: 'Approve',
  declineJoin: 'Turn down',
  joinApproved: 'Approved. They are now a member.',
  joinDeclined: 'Turned down.',

  sharingHeading: 'What this circle sees',
  // Sharing into a circle around the person doing harm: the toolkit's caution, where it matters.
  harmCircleCaution:
    'This circle is for supporting the person who harmed you to take responsibility. The people in it are there ' +
    'for that work, and may not be the best people to support you closely. Share only what they need for it.',
  sharingHelp:
    'Nothing is shared until you tick it. Under each one are the exact words the circle would read. ' +
    'When you change a shared answer, the circle sees the change.',
  sharingPlan: 'From your plan',
  sharingAllies: 'From your allies',
  sharingAllyHint:
    'Only a name, how to reach them, their roles and when they are available. Never your notes about them.',
  sharingPrivateOnly: 'None of your answers is marked as one you may share. You can mark them in your plan.',
  sharingNoAllies: 'None of your allies can be shared yet (only people marked as allies can).',
  unshareWarning:
    'Taken back. People who already read it may remember it; anyone who joins from now on cannot read it.',
  sharedNow: 'Shared with this circle.',
  sharedHeading: 'Shared with this circle',
  sharedNothing: 'Nothing has been shared with this circle yet.',
  sharedBy: (name: string) => `Shared by ${name}`,
  sharedByYou: 'Shared by you',
  sharedPlanLabel: 'From the plan',
  sharedAlliesLabel: 'Allies',

  notesHeading: 'Notes',
  notesEmpty: 'No notes yet.',
  newNote: 'Write a note',
  noteTitle: 'Title',
  noteText: 'Note',
  editNote: 'Edit',
  deleteNote: 'Delete',
  deleteNoteConfirm: 'Delete this note for everyone in the circle? People may already have read it.',
  deleteNoteYes: 'Yes, delete it',
  lastChanged: (name: string, when: string) => `Last changed by ${name}, ${when}.`,
  notYetSent: 'Not sent yet.',
  noteConflictHeading: 'Someone else changed this at the same time. Their words are kept here:',

  checkInsHeading: 'Check-ins',
  checkInsHelp:
    'A few words on how you are doing and what you need, so the group can look after everyone. Never where you are.',
  checkInsEmpty: 'No check-ins yet.',
  newCheckIn: 'Check in',
  feeling: 'How are you doing?',
  feelings: {
    okay: 'I am okay',
    struggling: 'I am struggling',
    'need-break': 'I need a break',
  } satisfies Record<Feeling, string>,
  checkInText: 'A few words (optional)',
  checkInNeed: 'What I need (optional)',
  speaksFor: 'While I take a break, this person speaks for me',
  speaksForNobody: 'Nobody',
  speaksForLine: (name: string) => `${name} speaks for them meanwhile.`,
  postCheckIn: 'Post the check-in',
  checkInBy: (name: string, when: string) => `${name}, ${when}`,
} as const;

/** A wait as words: the longest after many wrong passphrases is 15 minutes, not 900 seconds. */
function waitFor(seconds: number): string {
  if (seconds === 1) return '1 second';
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** A YYYY-MM-DD day as words, in the person's language, read as their own calendar day. */
function readableDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date).toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
}

// ---- What a person reads when something goes wrong (issue 14) -------------------------------------
// The one catalogue of failure text. ui/failures.ts picks the line for a failure by its code; nothing
// else turns an error into words, and nothing a server says is ever shown. Each line says what
// happened and what to do.

const KEPT = 'Your changes are kept on this phone.';
const SERVER_CHANGED =
  'This is not the server this device synced with before: its data was replaced or restored from a backup. ' +
  'Nothing was sent. Ask the organisation that runs it what happened.';

export const failureStrings = {
  // Anything with no words of its own, and every code a server sends that this app does not know.
  generic: 'Something went wrong. Nothing you wrote was lost; please try again.',
  unlockFailed: 'The app could not be opened. Please try again.',

  // This device's storage.
  noVault: 'There is nothing stored on this device yet.',
  vaultExists: 'This device already has a private space set up.',
  wrongPassphrase: 'That passphrase did not open the app. Take your time and try again.',
  wait: 'Please wait a little before trying again.',
  wiped: 'Too many attempts: everything stored on this device has been removed.',
  wrongRecoveryKey: 'That recovery key belongs to another setup.',
  recoveryKeyTypo: 'The recovery key has a typing mistake. Please check each group of four.',
  locked: 'The app is locked. Unlock it to continue.',
  damaged: 'Some stored data could not be opened. It may have been changed.',
  badBackup: 'This file is not a Support Circle backup, or it was changed.',
  kindMismatch: 'This item is stored as another kind of item.',
  circleMismatch: 'This item belongs to another circle.',
  notPending: 'This item has no change waiting to be sent.',
  samePassphrase: 'Your passphrase and your second passphrase must be different. Choose another one.',
  decoyFull: 'There is no more room on this device for this. Remove something first, then try again.',
  // Never shown: the app goes quietly to its first screen, as a new install does.
  erased: 'This device has been cleared.',

  // Why sync stopped or waits, as the status line says it.
  registration: `This server asks for a registration code before this phone can sync, and none was given or the one given was not accepted. Ask the organisation that runs it for a code, then type it in Settings, under sync. ${KEPT}`,
  busy: `The server is busy right now. Sync will try again in a moment. ${KEPT}`,
  signIn: `This phone could not sign in to the server. Sync will try again. ${KEPT}`,
  escrowRolledBack:
    'The server is serving an old copy of your recovery backup, not the one this phone saved last. ' +
    'Your plan on this phone is safe and unchanged. Make a new recovery key in Settings, so a fresh ' +
    'backup replaces it, and tell the organisation that runs the server.',
  tampered:
    'Sync stopped to protect you: the server sent something your own devices did not sign, took back ' +
    'something it had sent before, or held back something one of your devices wrote. Your plan on this phone ' +
    'is safe and unchanged. Do not link new devices ' +
    'for now, and tell the organisation that runs the server.',
  withheldOwn:
    'Sync stopped: the server did not pass on something one of your devices wrote, or passed on an older ' +
    'version of it again. Your plan on this phone is safe and unchanged. Look on your other devices for what ' +
    'you wrote last, and tell the organisation that runs the server.',
  syncFailed: `Sync did not finish. It will try again. ${KEPT}`,
  serverChangedKept: `${SERVER_CHANGED} ${KEPT}`,
  otherServer:
    'Syncing with a server other than the one this app was opened from is not possible yet. ' +
    'Your plan stays on this phone. To sync with your organisation, open the app from their address instead.',
  waitingForApproval: 'Waiting for your other device to approve this one. Check that both show the same safety number.',
  deviceRemoved:
    'This device no longer syncs: it was unlinked by another of your devices, or by someone using your recovery key ' +
    'on a new device, or the server let it go after a long time unused. What is on it stays here. If you did not do ' +
    'this, someone may have your other device or your recovery key: talk to someone you trust, or to the organisation that runs the server.',
  unlinked: 'Another of your devices unlinked this one. Everything on this device is being erased.',
  linkDeclined:
    'Your other device did not approve this one. Nothing was shared. You can make a new link and try again.',

  // The sync engine turning an action down.
  hasOwnPlan:
    'This device already keeps its own plan in sync, so it cannot take another device’s plan. Link the devices the other way round.',
  badLink: 'That link is not complete. Copy the whole link, paste it here again and try once more.',
  lastAdmin:
    'You are the only admin of this circle, so you cannot leave yet. Make someone else an admin first, so someone can still let people in.',
  inviteOtherLink:
    'This link was not made by the person whose invite is in it: someone took their invite and put it in a link of ' +
    'their own. Nothing was sent. Ask the person who invites you for a new link, face to face or on a call you trust.',

  // The server, or no answer from it.
  unreachable: 'The server cannot be reached. Your changes stay on this device.',
  badResponse: 'The server gave an answer the app does not understand.',
  serverChanged: SERVER_CHANGED,
  serverBusy: 'The server is busy right now. Please try again in a minute.',
  serverTrouble: 'Something went wrong on the server. Nothing on this device was lost; please try again later.',
  signInAgain: 'This device could not sign in to the server. Please try again in a moment.',
  notAccepted:
    'The server did not accept what this device sent. Please try again. If it happens again, close and reopen ' +
    'the app so it can update, or tell the organisation that runs the server.',
  gone: 'This is no longer on the server: it may have been withdrawn, used or deleted meanwhile. Check again, then try once more.',
  changedMeanwhile: 'Something changed on the server at the same moment. Please try again.',
  tooLarge: 'This is too long to send. Make it shorter, then try again.',
  quotaExceeded:
    'This device has used all the room this server gives it. Ask the organisation that runs the server for more. ' +
    'Your changes stay on this device.',
  onlyAdmin: 'Only an admin of this circle can do that. Ask one of its admins.',
  inviteGone: 'This invite link no longer works: it has expired, been used or been withdrawn. Ask for a new one.',
  tooManyInvites:
    'This circle has as many open invite links as it may have. Withdraw one you no longer need, then try again.',
  checkClock:
    'This device’s date or time seems to be wrong, so the invite link could not be made. ' +
    'Set the right date and time in the device’s settings, then try again.',
  joinRequestGone:
    'This request to join is no longer there: it was withdrawn or answered already. Check for requests again.',
  notYourIdentity: 'A device can only ask to join as itself. Open the link on the device that should join.',
  alreadyMember: 'This device is in this circle already: open it from your list of circles.',
  tooManyRequests:
    'Many requests to join are already waiting on this invite. Ask the person who invited you to look at them.',
  escrowTaken:
    'The server already keeps a recovery key like this one for another device. Make a new recovery key in Settings.',

  // Something the server sent did not check out (PROTOCOL.md §11).
  refused:
    'Something the server sent did not check out, so it was not used. Your data on this device is safe. ' +
    'This can mean the server was changed or tampered with: tell the organisation that runs it.',
  badProof: 'This request could not prove it came from your link, so it was not let in. Turn it down.',

  // Bringing a plan here with a recovery key.
  noEscrow:
    'This server has no plan for that recovery key. The key may belong to a device that never synced, was set up before ' +
    'this was possible, was replaced by a newer key, went unused for a long time, or synced with another server. ' +
    'Check the key, or open the app from the server you used before.',
  recoveryDamaged:
    'What the server keeps for this recovery key does not open, or does not match your plan. It may have been changed. Nothing was set up on this device.',
  recoveryRemoved:
    'The device this recovery key belongs to was unlinked from your plan, so it cannot bring the plan here. Use the recovery key of one of your devices that is still linked.',
  recoveryUnreachable:
    'The server could not be reached. Nothing was set up on this device. Check your connection and try again.',
} as const;

/**
 * What did not check out in a shared circle's data, by the protocol's code: said under
 * strings.circleProblem and strings.joinFailedCircle.
 */
export const refusalReasons = {
  genesis_mismatch: 'It does not begin at the circle this device trusts.',
  broken_chain: 'An entry was dropped, inserted or reordered.',
  rolled_back: 'The server rolled it back to an older state this device has already seen past.',
  withheld: 'The server held back something a member wrote.',
  unknown_author: 'It is signed by a device that is not a member.',
  bad_signature: 'A signature does not verify: it was altered or forged.',
  key_mismatch: 'The key is not the one the signed membership log commits to.',
  decrypt_failed: 'It does not open: it was altered, or moved from another place.',
  context_mismatch: 'It was moved from another record, circle or device.',
  unknown_epoch: 'It needs a key the server never gave this device.',
  not_admin: 'It is signed by a member who may not make that change.',
  other: 'The server sent it damaged or altered.',
} as const;
