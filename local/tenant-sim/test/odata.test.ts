import { ODataQueryError, applyODataQuery, evaluateFilter, parseFilter } from '../odata';

const matches = (filter: string, item: object) => evaluateFilter(parseFilter(filter), item);

describe('OData helpers (pure)', () => {
  it('parses the literal forms Graph clients write', () => {
    expect(matches("displayName eq 'O''Brien'", { displayName: "o'brien" })).toBe(true);
    expect(matches('count gt 2.5 and count le 3', { count: 3 })).toBe(true);
    expect(
      matches('id eq 06ebc4ee-1bb5-47dd-8120-11324bc54e06', { id: '06EBC4EE-1BB5-47DD-8120-11324BC54E06' }),
    ).toBe(true);
    expect(matches('seen lt 2026-01-02T00:00:00+01:00', { seen: '2026-01-01T22:59:59Z' })).toBe(true);
    expect(matches("endswith(upn, '@contoso.com') eq false", { upn: 'a@fabrikam.com' })).toBe(true);
    expect(
      matches("licenses/all(l: l/state eq 'active')", {
        licenses: [{ state: 'active' }, { state: 'Active' }],
      }),
    ).toBe(true);
    expect(matches("licenses/any(l: l/state eq 'suspended')", { licenses: [{ state: 'active' }] })).toBe(
      false,
    );
    expect(matches("A eq 'x' OR NOT (b eq 1)", { A: 'y', b: 2 })).toBe(true);
    expect(matches('isEncrypted', { isEncrypted: true })).toBe(true);
  });

  it('names the problem in what it cannot parse', () => {
    expect(() => parseFilter("name eq 'open")).toThrow(/unexpected character/);
    expect(() => parseFilter('name eq')).toThrow(/expected a property or a literal but found the end/);
    expect(() => parseFilter("(name eq 'a'")).toThrow(/expected '\)'/);
    expect(() => parseFilter("name eq 'a' extra")).toThrow(/unexpected 'extra'/);
    expect(() => parseFilter('')).toThrow(/empty/);
  });

  it('pages by index so a filtered page resumes after the previous one, with $skip inside the filter', () => {
    const items = Array.from({ length: 10 }, (_, index) => ({ id: index, even: index % 2 === 0 }));
    const options = { collectionUrl: 'https://sim/graph/v1.0/things', surface: 'graph-v1.0' as const };
    const first = applyODataQuery(
      items,
      new URLSearchParams({ $filter: 'even eq true', $top: '2', $skip: '1' }),
      options,
    );
    expect(first.value.map((item) => item.id)).toEqual([2, 4]);
    const next = new URL(first['@odata.nextLink']!);
    const second = applyODataQuery(items, next.searchParams, options);
    expect(second.value.map((item) => item.id)).toEqual([6, 8]);
    expect(second['@odata.nextLink']).toBeUndefined();

    // A token is bound to the filter it was made under.
    const tampered = new URLSearchParams(next.searchParams);
    tampered.set('$filter', 'even eq false');
    expect(() => applyODataQuery(items, tampered, options)).toThrow(ODataQueryError);
  });

  it('builds items lazily through view and expand', () => {
    let viewed = 0;
    const items = Array.from({ length: 1000 }, (_, index) => ({ index }));
    const page = applyODataQuery(items, new URLSearchParams({ $top: '3', $expand: 'extra' }), {
      collectionUrl: 'https://sim/graph/beta/things',
      surface: 'graph-beta',
      view: (item) => {
        viewed++;
        return { id: `t${item.index}` };
      },
      expand: { extra: (item) => ({ double: item.index * 2 }) },
    });
    expect(page.value).toEqual([
      { id: 't0', extra: { double: 0 } },
      { id: 't1', extra: { double: 2 } },
      { id: 't2', extra: { double: 4 } },
    ]);
    expect(viewed).toBe(3);
  });
});
