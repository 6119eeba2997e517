import { useEffect, useState } from 'preact/hooks';
import type { SyncStatus } from '../sync/engine';
import { syncReasonText } from './failures';
import { strings } from './strings';

/** What the state says, once; "up to date" only when nothing waits. */
function summary(status: SyncStatus): string {
  switch (status.state) {
    case 'off':
      return strings.syncOff;
    case 'offline':
      return strings.syncOffline(status.waiting);
    case 'syncing':
      return strings.syncSyncing;
    case 'up-to-date':
      return status.waiting > 0 ? strings.syncWaiting(status.waiting) : strings.syncUpToDate;
    case 'approval':
      return '';
    case 'error':
      return status.waiting > 0 ? strings.syncWaiting(status.waiting) : '';
  }
}

/**
 * Offline / syncing / up to date / N changes waiting, and any problem in plain words: one status,
 * said once. "Sync now" always shows what it did, even when the answer is "still offline".
 */
export function SyncStatusLine({
  status,
  onSyncNow,
  onDismissNotice,
}: {
  status: SyncStatus;
  onSyncNow: (() => Promise<SyncStatus>) | null;
  onDismissNotice: (() => Promise<void>) | null;
}) {
  const [stillOffline, setStillOffline] = useState(false);
  useEffect(() => {
    if (status.state !== 'offline') setStillOffline(false);
  }, [status.state]);
  const syncNow = async () => {
    if (onSyncNow === null) return;
    setStillOffline(false);
    setStillOffline((await onSyncNow()).state === 'offline');
  };
  const reason = status.reason === undefined ? '' : syncReasonText(status.reason);
  const text = [summary(status), reason, stillOffline ? strings.syncStillOffline : '']
    .filter((part) => part !== '')
    .join(' ');
  return (
    <div class="sync-status" data-testid="sync-status" data-state={status.state} data-waiting={status.waiting}>
      <p role="status">{text}</p>
      {status.notice !== undefined && (
        <div class="panel" data-testid="sync-notice" data-notice={status.notice}>
          <p>{strings.syncNotices[status.notice]}</p>
          {onDismissNotice !== null && (
            <button type="button" class="secondary small" onClick={() => void onDismissNotice()}>
              {strings.syncNoticeDismiss}
            </button>
          )}
        </div>
      )}
      {onSyncNow !== null && status.state !== 'syncing' && (
        <button type="button" class="secondary small" onClick={() => void syncNow()}>
          {strings.syncNow}
        </button>
      )}
    </div>
  );
}
