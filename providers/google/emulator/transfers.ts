import { randomBytes } from 'node:crypto';
import { GoogleApiError, invalid } from './wire.js';

/**
 * The data transfers of the Data Transfer API v1: the applications whose data can move to
 * another user, and transfers that run asynchronously: `new` when inserted, `inProgress`
 * while polled, `completed` (or `failed`) after a configurable number of polls.
 */

export const DRIVE_APPLICATION = { id: '55656082996', name: 'Drive and Docs', transferParams: [{ key: 'PRIVACY_LEVEL', value: ['PRIVATE', 'SHARED'] }] };
export const CALENDAR_APPLICATION = { id: '435070579839', name: 'Calendar', transferParams: [{ key: 'RELEASE_RESOURCES', value: ['TRUE'] }] };
const LOOKER_STUDIO_APPLICATION = { id: '810260081642', name: 'Looker Studio', transferParams: [] };
/** The applications whose data can be transferred, numbered for paging. */
export const APPLICATIONS = [DRIVE_APPLICATION, CALENDAR_APPLICATION, LOOKER_STUDIO_APPLICATION].map((a, i) => ({ ...a, seq: i + 1 }));

type Status = 'new' | 'inProgress' | 'completed' | 'failed';

export interface EmulatedTransfer {
  seq: number;
  id: string;
  oldOwnerUserId: string;
  newOwnerUserId: string;
  applications: { applicationId: string; applicationTransferParams: { key: string; value: string[] }[] }[];
  requestTime: string;
  status: Status;
  polls: number;
}

export interface TransferSettings {
  /** transfers.get calls after which a transfer reads `completed` (default 2; 0 completes at once). */
  pollsToComplete?: number;
  /** Transfers end `failed` instead of `completed`. */
  fail?: boolean;
}

export class TransferBook {
  readonly all = new Map<string, EmulatedTransfer>();
  private seq = 0;

  constructor(
    private readonly settings: TransferSettings,
    private readonly userExists: (id: string) => boolean,
  ) {}

  /** A transfer already completed, e.g. seeded for a leaver whose data was handed over. */
  seedCompleted(from: string, to: string): EmulatedTransfer {
    const t = this.create(
      from,
      to,
      APPLICATIONS.slice(0, 2).map((a) => ({ applicationId: a.id, applicationTransferParams: a.transferParams })),
    );
    t.status = 'completed';
    return t;
  }

  completed(): { from: string; to: string }[] {
    return [...this.all.values()].filter((t) => t.status === 'completed').map((t) => ({ from: t.oldOwnerUserId, to: t.newOwnerUserId }));
  }

  /** One transfers.get: the transfer moves on. */
  poll(t: EmulatedTransfer): void {
    if (t.status === 'completed' || t.status === 'failed') return;
    t.polls += 1;
    const need = this.settings.pollsToComplete ?? 2;
    if (t.polls >= need) t.status = this.settings.fail ? 'failed' : 'completed';
    else t.status = 'inProgress';
  }

  create(from: string, to: string, applications: EmulatedTransfer['applications']): EmulatedTransfer {
    const t: EmulatedTransfer = {
      seq: ++this.seq,
      id: `AKrEtI${randomBytes(24).toString('base64url')}`,
      oldOwnerUserId: from,
      newOwnerUserId: to,
      applications,
      requestTime: new Date().toISOString(),
      status: 'new',
      polls: 0,
    };
    if ((this.settings.pollsToComplete ?? 2) <= 0) t.status = this.settings.fail ? 'failed' : 'completed';
    this.all.set(t.id, t);
    return t;
  }

  render(t: EmulatedTransfer): Record<string, unknown> {
    const appStatus = { new: 'pending', inProgress: 'inProgress', completed: 'completed', failed: 'failed' }[t.status];
    return {
      kind: 'admin#datatransfer#DataTransfer',
      id: t.id,
      oldOwnerUserId: t.oldOwnerUserId,
      newOwnerUserId: t.newOwnerUserId,
      overallTransferStatusCode: t.status,
      requestTime: t.requestTime,
      applicationDataTransfers: t.applications.map((a) => ({ ...a, applicationTransferStatus: appStatus })),
    };
  }

  /** The body of transfers.insert, checked as the API does. */
  insert(body: Record<string, unknown>): EmulatedTransfer {
    const from = body['oldOwnerUserId'];
    const to = body['newOwnerUserId'];
    if (typeof from !== 'string' || !from) throw new GoogleApiError(400, 'required', 'Missing required field: oldOwnerUserId');
    if (typeof to !== 'string' || !to) throw new GoogleApiError(400, 'required', 'Missing required field: newOwnerUserId');
    if (!this.userExists(from)) throw invalid('Invalid Input: oldOwnerUserId');
    if (!this.userExists(to)) throw invalid('Invalid Input: newOwnerUserId');
    if (from === to) throw invalid('Invalid Input: the old and new owner must differ');
    const requested = body['applicationDataTransfers'];
    if (!Array.isArray(requested) || requested.length === 0) throw new GoogleApiError(400, 'required', 'Missing required field: applicationDataTransfers');
    const applications = requested.map((r: unknown) => {
      const a = (r ?? {}) as Record<string, unknown>;
      const app = APPLICATIONS.find((x) => x.id === String(a['applicationId']));
      if (!app) throw invalid(`Invalid Input: applicationId ${String(a['applicationId'])}`);
      const params = Array.isArray(a['applicationTransferParams']) ? (a['applicationTransferParams'] as { key?: unknown; value?: unknown }[]) : [];
      for (const p of params) {
        const known = app.transferParams.find((x) => x.key === p.key);
        const values = Array.isArray(p.value) ? p.value : [];
        if (!known || values.some((v) => !known.value.includes(String(v)))) throw invalid(`Invalid Input: transfer parameter ${String(p.key)}`);
      }
      return { applicationId: app.id, applicationTransferParams: params.map((p) => ({ key: String(p.key), value: (p.value as unknown[]).map(String) })) };
    });
    return this.create(from, to, applications);
  }
}
