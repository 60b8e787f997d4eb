import { setTimeout as sleep } from 'node:timers/promises';
import type { admin_datatransfer_v1 } from '@googleapis/admin';
import { ProviderError } from '../../src/errors.js';
import type { ApplyOutcome } from '../../src/provider/provider.js';
import type { GoogleApi } from './client.js';

type DataTransfer = admin_datatransfer_v1.Schema$DataTransfer;

export interface TransferSettings {
  /** How long one apply waits for a transfer to complete. */
  waitMs: number;
  /** First wait between polls; doubles up to MAX_POLL_MS. */
  pollMs: number;
}

const MAX_POLL_MS = 30_000;
/** The applications a leaver's data is moved out of, by their Data Transfer API names. */
const DRIVE = 'Drive and Docs';
const CALENDAR = 'Calendar';

/**
 * Drive and Calendar ownership moves to the successor through the Data Transfer API:
 * Drive files private and shared (PRIVACY_LEVEL), Calendar events with their resources
 * released (RELEASE_RESOURCES). A transfer runs asynchronously, so the apply polls it
 * with backoff for a bounded time. Idempotent: an in-progress or completed transfer from
 * the same old owner to the same new owner is reused, never started twice.
 */
export class DriveCalendarTransfer {
  private applications: Promise<{ drive: string; calendar: string }> | undefined;

  constructor(
    private readonly api: GoogleApi,
    private readonly settings: TransferSettings,
  ) {}

  async transfer(fromId: string, transferTo: string | null | undefined): Promise<ApplyOutcome> {
    if (!transferTo) {
      throw new ProviderError(this.api.provider, `transfer_ownership of ${fromId} names no successor (transferTo): add the person's manager to the roster`);
    }
    const successor = await this.api.call('users.get (successor)', () => this.api.directory.users.get({ userKey: transferTo, fields: 'id,suspended' }), [404]);
    if (!successor?.id) throw new ProviderError(this.api.provider, `transfer_ownership of ${fromId}: the successor ${transferTo} is not a user of this Workspace`);
    const toId = successor.id;
    const existing = await this.list({ oldOwnerUserId: fromId, newOwnerUserId: toId });
    if (existing.some((t) => t.overallTransferStatusCode === 'completed')) {
      return { result: 'already', detail: `data of ${fromId} was already transferred to ${transferTo}` };
    }
    const running = existing.find((t) => t.overallTransferStatusCode === 'new' || t.overallTransferStatusCode === 'inProgress');
    if (running?.id) return this.waitFor(running.id, transferTo);
    const owner = await this.api.call('users.get', () => this.api.directory.users.get({ userKey: fromId, fields: 'id' }), [404]);
    if (!owner)
      throw new ProviderError(this.api.provider, `transfer_ownership: account ${fromId} no longer exists and no transfer of its data was made`, { status: 404 });
    const apps = await this.applicationIds();
    const inserted = await this.api.call('transfers.insert', () =>
      this.api.transfer.transfers.insert({
        requestBody: {
          oldOwnerUserId: fromId,
          newOwnerUserId: toId,
          applicationDataTransfers: [
            { applicationId: apps.drive, applicationTransferParams: [{ key: 'PRIVACY_LEVEL', value: ['PRIVATE', 'SHARED'] }] },
            { applicationId: apps.calendar, applicationTransferParams: [{ key: 'RELEASE_RESOURCES', value: ['TRUE'] }] },
          ],
        },
      }),
    );
    if (!inserted?.id) throw new ProviderError(this.api.provider, 'transfers.insert: the service returned no transfer id');
    return this.waitFor(inserted.id, transferTo);
  }

  /** Whether a transfer of the account's data to anyone has completed (delete requires one). */
  async hasCompleted(fromId: string): Promise<boolean> {
    return (await this.list({ oldOwnerUserId: fromId, status: 'completed' })).length > 0;
  }

  private async list(filter: { oldOwnerUserId: string; newOwnerUserId?: string; status?: string }): Promise<DataTransfer[]> {
    const pages = await this.api.pages('transfers.list', (pageToken) =>
      this.api.transfer.transfers.list({ ...filter, maxResults: 100, ...(pageToken ? { pageToken } : {}) }),
    );
    return pages.flatMap((p) => p.dataTransfers ?? []);
  }

  /** Polls until completed, with backoff; still running at the deadline is transient (a rerun resumes it). */
  private async waitFor(id: string, transferTo: string): Promise<ApplyOutcome> {
    const deadline = Date.now() + this.settings.waitMs;
    let delay = this.settings.pollMs;
    for (;;) {
      const t = await this.api.call('transfers.get', () => this.api.transfer.transfers.get({ dataTransferId: id }));
      const status = t?.overallTransferStatusCode;
      if (status === 'completed')
        return { result: 'ok', before: { transferred: false }, after: { transferred: true, to: transferTo }, detail: `transfer ${id} completed` };
      if (status === 'failed') {
        throw new ProviderError(this.api.provider, `transfer ${id} to ${transferTo} failed; check it in the Admin console (a rerun starts a new transfer)`);
      }
      if (Date.now() + delay > deadline) {
        throw new ProviderError(
          this.api.provider,
          `transfer ${id} to ${transferTo} is still ${status ?? 'unknown'} after ${Math.round(this.settings.waitMs / 1000)} s; a rerun waits for it`,
          {
            transient: true,
            retryAfterMs: delay,
          },
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }

  /** Drive's and Calendar's application ids, read once per provider. */
  private applicationIds(): Promise<{ drive: string; calendar: string }> {
    this.applications ??= this.readApplicationIds().catch((e: unknown) => {
      this.applications = undefined;
      throw e;
    });
    return this.applications;
  }

  private async readApplicationIds(): Promise<{ drive: string; calendar: string }> {
    const pages = await this.api.pages('applications.list', (pageToken) => this.api.transfer.applications.list({ maxResults: 500, ...(pageToken ? { pageToken } : {}) }));
    const apps = pages.flatMap((p) => p.applications ?? []);
    const idOf = (name: string): string => {
      const id = apps.find((a) => a.name === name)?.id;
      if (!id) throw new ProviderError(this.api.provider, `applications.list: no ${name} application to transfer data from`);
      return String(id);
    };
    return { drive: idOf(DRIVE), calendar: idOf(CALENDAR) };
  }
}
