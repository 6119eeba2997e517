import { useEffect, useRef, useState } from 'preact/hooks';
import type { AppSettings } from '../../records';
import { REVIEW_DEVICES } from '../../sync/devices/review';
import type { SyncStatus } from '../../sync/engine';
import { useEngine, useSession, useSyncVersion } from '../appContext';
import { lazyScreen } from '../lazy';
import { SyncStatusLine } from '../SyncStatusLine';
import { strings } from '../strings';
import { Allies } from './Allies';
import { Plan } from './Plan';
import { Settings } from './Settings';

export type Tab = 'plan' | 'allies' | 'circles' | 'settings';

const TABS: readonly { tab: Tab; label: string }[] = [
  { tab: 'plan', label: strings.navPlan },
  { tab: 'allies', label: strings.navAllies },
  { tab: 'circles', label: strings.navCircles },
  { tab: 'settings', label: strings.navSettings },
];

export interface MainProps {
  settings: AppSettings;
  status: SyncStatus;
  onSettings(settings: AppSettings): Promise<void>;
  onWiped(): void;
  /**
   * The tab shown last while this vault is open, kept by the app: when the page is veiled out of
   * sight the screens unmount, and must come back on the same tab. Cleared on lock.
   */
  lastTab: { current: Tab | null };
}

/** The unlocked app: the plan, the allies, the circles and the settings, with the sync status above. */
export function Main(props: MainProps) {
  // Opened from an invite link: straight to joining.
  const [tab, setTab] = useState<Tab>(
    () => props.lastTab.current ?? (location.hash.startsWith('#join=') ? 'circles' : 'plan'),
  );
  props.lastTab.current = tab;
  const session = useSession();
  const engine = useEngine();
  const version = useSyncVersion();
  // Choosing a tab again goes back to its start (from one circle to the list of circles).
  const [visit, setVisit] = useState(0);
  const [review, setReview] = useState(false);
  // Once looked at, the notice stays away, even if a read begun before the flag was cleared ends after.
  const looked = useRef(false);
  useEffect(() => {
    session.getState(REVIEW_DEVICES).then(
      (flag) => setReview(flag === true && !looked.current),
      () => undefined, // locked: the unlock screen is about to show
    );
  }, [session, version]);
  const checkDevices = () => {
    looked.current = true;
    setReview(false);
    setTab('settings');
    void session.setState(REVIEW_DEVICES, undefined).catch(() => undefined);
  };
  return (
    <>
      <nav aria-label={strings.navLabel} class="tabs">
        {TABS.map(({ tab: name, label }) => (
          <button
            key={name}
            type="button"
            class="tab"
            aria-current={tab === name ? 'page' : undefined}
            onClick={() => {
              setTab(name);
              setVisit((v) => v + 1);
            }}
          >
            {label}
          </button>
        ))}
      </nav>
      {review && (
        <section class="panel notice" aria-label={strings.reviewDevicesLabel}>
          <p>{strings.reviewDevices}</p>
          <button type="button" onClick={checkDevices}>
            {strings.reviewDevicesButton}
          </button>
        </section>
      )}
      <SyncStatusLine
        status={props.status}
        onSyncNow={engine === null ? null : () => engine.syncNow()}
        onDismissNotice={engine === null ? null : () => engine.dismissNotice()}
      />
      {tab === 'plan' && <Plan />}
      {tab === 'allies' && <Allies />}
      {tab === 'circles' && <LazyCircles key={visit} />}
      {tab === 'settings' && <Settings settings={props.settings} onChange={props.onSettings} onWiped={props.onWiped} />}
    </>
  );
}

/**
 * The circles, loaded when first opened: most people use the plan alone, so its first screen does
 * not wait for them.
 */
const LazyCircles = lazyScreen(() => import('./Circles').then((m) => m.Circles)).Screen;
