import type { SyncStatus } from '../sync/engine';
import { strings } from './strings';

function summary(status: SyncStatus): string {
  switch (status.state) {
    case 'off':
      return strings.syncOff;
    case 'offline':
      return strings.syncOffline;
    case 'syncing':
      return strings.syncSyncing;
    case 'up-to-date':
      return status.waiting > 0 ? strings.syncWaiting(status.waiting) : strings.syncUpToDate;
    case 'error':
      return status.waiting > 0 ? strings.syncWaiting(status.waiting) : '';
  }
}

/** Offline / syncing / up to date / N changes waiting, and any problem in plain words. */
export function SyncStatusLine({ status, onSyncNow }: { status: SyncStatus; onSyncNow: (() => void) | null }) {
  return (
    <div class="sync-status" data-testid="sync-status" data-state={status.state} data-waiting={status.waiting}>
      <p role="status">
        {summary(status)} {status.message ?? ''}
      </p>
      {onSyncNow !== null && status.state !== 'syncing' && (
        <button type="button" class="secondary small" onClick={onSyncNow}>
          {strings.syncNow}
        </button>
      )}
    </div>
  );
}
