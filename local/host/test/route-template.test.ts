import { RouteTemplateError, comparePrecedence, parseRouteTemplate } from '../http/route-template';

describe('route templates', () => {
  it('matches literals case-insensitively and decodes parameters', () => {
    const route = parseRouteTemplate('api/Tenants/{tenantId}/devices/{serial}');
    expect(route.match('/api/tenants/contoso/DEVICES/SN%201')).toEqual({
      tenantId: 'contoso',
      serial: 'SN 1',
    });
    expect(route.match('/api/tenants/contoso/devices')).toBeUndefined();
  });

  it('applies inline constraints', () => {
    const route = parseRouteTemplate('api/items/{id:int:range(1,100)}');
    expect(route.match('/api/items/42')).toEqual({ id: '42' });
    expect(route.match('/api/items/420')).toBeUndefined();
    expect(route.match('/api/items/x')).toBeUndefined();
    expect(
      parseRouteTemplate('api/d/{id:guid}').match('/api/d/3f2504e0-4f89-11d3-9a0c-0305e82c3301'),
    ).toBeDefined();
    expect(parseRouteTemplate('api/c/{code:regex(^[a-z]{{3}}$)}').match('/api/c/abc')).toEqual({
      code: 'abc',
    });
    expect(parseRouteTemplate('api/c/{code:regex(^[a-z]{{3}}$)}').match('/api/c/abcd')).toBeUndefined();
  });

  it('supports optional parameters, defaults and catch-alls', () => {
    expect(parseRouteTemplate('api/things/{name?}').match('/api/things')).toEqual({});
    expect(parseRouteTemplate('api/page/{n:int=1}').match('/api/page')).toEqual({ n: '1' });
    const optionalInt = parseRouteTemplate('api/x/{id:int?}');
    expect(optionalInt.match('/api/x')).toEqual({});
    expect(optionalInt.match('/api/x/7')).toEqual({ id: '7' });
    expect(optionalInt.match('/api/x/seven')).toBeUndefined();
    const files = parseRouteTemplate('api/files/{*path}');
    expect(files.match('/api/files/a/b/c.txt')).toEqual({ path: 'a/b/c.txt' });
    expect(files.match('/api/files')).toEqual({});
  });

  it('splits a segment holding several parameters', () => {
    expect(parseRouteTemplate('api/{name}.{ext}').match('/api/report.final.pdf')).toEqual({
      name: 'report',
      ext: 'final.pdf',
    });
  });

  it('does not match malformed percent-encoding', () => {
    expect(parseRouteTemplate('api/{id}').match('/api/%E0%A4%A')).toBeUndefined();
  });

  it('ranks literal segments before constrained, plain and catch-all parameters', () => {
    const templates = ['api/{*rest}', 'api/{name}', 'api/{id:int}', 'api/special'].map(parseRouteTemplate);
    expect([...templates].sort(comparePrecedence).map((t) => t.template)).toEqual([
      'api/special',
      'api/{id:int}',
      'api/{name}',
      'api/{*rest}',
    ]);
  });

  it('rejects unknown constraints and optional parameters before required segments', () => {
    expect(() => parseRouteTemplate('api/{id:nonsense}')).toThrow(RouteTemplateError);
    expect(() => parseRouteTemplate('api/{a?}/b')).toThrow(/optional parameters must come last/);
  });
});
