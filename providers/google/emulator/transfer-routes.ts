import type { GoogleRoute } from './api.js';
import { APPLICATIONS } from './transfers.js';
import { invalid, maxResults, notFound, pageOf } from './wire.js';
import { SCOPE } from '../scopes.js';

/**
 * Data Transfer API v1 (https://developers.google.com/workspace/admin/data-transfer/reference/rest):
 * the applications and the transfers, kept by the TransferBook.
 */

const DT = '/admin/datatransfer/v1';
const READ = [SCOPE.dataTransfer, SCOPE.dataTransferReadonly];

export const TRANSFER_ROUTES: readonly GoogleRoute[] = [
  {
    method: 'GET',
    path: `${DT}/applications`,
    scopes: READ,
    handle(ctx) {
      const size = maxResults(ctx.query, 500, 100);
      const { items, next } = pageOf(APPLICATIONS, ctx.pages.read('applications', ctx.query.get('pageToken')), size);
      const applications = items.map(({ seq: _seq, ...a }) => ({ kind: 'admin#datatransfer#ApplicationResource', ...a }));
      return { kind: 'admin#datatransfer#applicationsList', applications, ...(next !== undefined ? { nextPageToken: ctx.pages.issue('applications', next) } : {}) };
    },
  },
  {
    method: 'GET',
    path: `${DT}/applications/{applicationId}`,
    scopes: READ,
    handle(ctx) {
      const app = APPLICATIONS.find((a) => a.id === ctx.params['applicationId']);
      if (!app) throw notFound('applicationId');
      const { seq: _seq, ...rest } = app;
      return { kind: 'admin#datatransfer#ApplicationResource', ...rest };
    },
  },
  {
    method: 'POST',
    path: `${DT}/transfers`,
    scopes: [SCOPE.dataTransfer],
    handle: (ctx) => ctx.transfers.render(ctx.transfers.insert(ctx.body())),
  },
  {
    method: 'GET',
    path: `${DT}/transfers/{dataTransferId}`,
    scopes: READ,
    handle(ctx) {
      const t = ctx.transfers.all.get(ctx.params['dataTransferId']!);
      if (!t) throw notFound('dataTransferId');
      ctx.transfers.poll(t);
      return ctx.transfers.render(t);
    },
  },
  {
    method: 'GET',
    path: `${DT}/transfers`,
    scopes: READ,
    handle(ctx) {
      const q = ctx.query;
      const status = q.get('status');
      if (status && !['new', 'inProgress', 'completed', 'failed'].includes(status)) throw invalid(`Invalid value '${status}' for status`);
      const matching = [...ctx.transfers.all.values()].filter(
        (t) =>
          (!q.get('oldOwnerUserId') || t.oldOwnerUserId === q.get('oldOwnerUserId')) &&
          (!q.get('newOwnerUserId') || t.newOwnerUserId === q.get('newOwnerUserId')) &&
          (!status || t.status === status),
      );
      const listing = `transfers:${q.get('oldOwnerUserId') ?? ''}:${q.get('newOwnerUserId') ?? ''}:${status ?? ''}`;
      const { items, next } = pageOf(matching, ctx.pages.read(listing, q.get('pageToken')), maxResults(q, 500, 100));
      return {
        kind: 'admin#datatransfer#dataTransfersList',
        ...(items.length ? { dataTransfers: items.map((t) => ctx.transfers.render(t)) } : {}),
        ...(next !== undefined ? { nextPageToken: ctx.pages.issue(listing, next) } : {}),
      };
    },
  },
];
