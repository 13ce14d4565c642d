import { dynamicWalRedoLinkFlags, isLibpqSharedName, parseLinkage } from '../../../src/compile/dynamic';
import { UserError } from '../../../src/util/errors';

describe('parseLinkage', () => {
  it.each([
    [undefined, 'static'],
    ['', 'static'],
    ['static', 'static'],
    ['dynamic', 'dynamic'],
  ])('%p → %s', (text, linkage) => expect(parseLinkage(text)).toBe(linkage));

  it('names the choices for anything else', () => {
    expect(() => parseLinkage('shared')).toThrow(UserError);
    expect(() => parseLinkage('shared')).toThrow(/--linkage 'shared'/);
  });
});

describe('isLibpqSharedName', () => {
  it.each([
    ['libpq.so', true],
    ['libpq.so.5', true],
    ['libpq.so.5.15', true],
    ['libpq.a', false],
    ['libpgport.a', false],
    ['libpq.so.5.15.debug', false],
    ['pkgconfig', false],
  ])('%s → %p', (name, keep) => expect(isLibpqSharedName(name)).toBe(keep));
});

describe('dynamicWalRedoLinkFlags', () => {
  it('adds the shim object and the wraps, without -static', () => {
    expect(dynamicWalRedoLinkFlags('/w/pgb_walredo_main.o', ['main', 'GucInfoMain'])).toBe(
      '/w/pgb_walredo_main.o -Wl,--wrap=main,--wrap=GucInfoMain',
    );
  });
});
