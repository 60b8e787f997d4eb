import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../src/emulator/routes.js';

const table = new RouteTable(
  [
    { method: 'GET', path: '/users/delta', handle: 'delta' },
    { method: 'GET', path: '/users/{id}', handle: 'get' },
    { method: 'PATCH', path: '/users/{id}', handle: 'patch' },
    { method: '*', path: '/token', handle: 'token' },
    { method: 'GET', path: '/v1.0/groups/{id}', template: '/groups/{id}', handle: 'group' },
  ],
  (path) => `unrouted ${path}`,
);

describe('RouteTable', () => {
  it('takes the first route listed for the method, so a literal path listed first wins over a pattern', () => {
    expect(table.match('GET', '/users/delta')).toMatchObject({ route: { handle: 'delta' }, template: '/users/delta', params: {}, otherMethod: false });
    expect(table.match('PATCH', '/users/delta')).toMatchObject({ route: { handle: 'patch' }, template: '/users/{id}', params: { id: 'delta' } });
  });

  it('binds percent-decoded parameters, ignores empty segments and keeps an undecodable segment as sent', () => {
    expect(table.match('GET', '/users/ann%40acme.com').params).toEqual({ id: 'ann@acme.com' });
    expect(table.match('GET', '//users/u1/').params).toEqual({ id: 'u1' });
    expect(table.match('GET', '/users/%E0').params).toEqual({ id: '%E0' });
  });

  it('names an endpoint of another method, a route answering every method, and a template apart from the path', () => {
    expect(table.match('DELETE', '/users/u1')).toEqual({ route: undefined, template: '/users/{id}', params: { id: 'u1' }, otherMethod: true });
    expect(table.match('PUT', '/token')).toMatchObject({ route: { handle: 'token' }, template: '/token' });
    expect(table.match('GET', '/v1.0/groups/g1')).toMatchObject({ route: { handle: 'group' }, template: '/groups/{id}', params: { id: 'g1' } });
  });

  it('gives a path no route has the template the emulator makes of it', () => {
    expect(table.match('GET', '/users/u1/more')).toEqual({ route: undefined, template: 'unrouted /users/u1/more', params: {}, otherMethod: false });
  });
});
