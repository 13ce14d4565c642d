import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../../../src/util/crc32c';
import { CONTROL_LAYOUTS, ControlFileError, parsePgControl } from '../../../src/verify/pg-control';

const FIXTURE = join(__dirname, '../../fixtures/verify/pg_control-v15');

/** A synthetic pg_control laid out for `major`, with a correct CRC. */
function synthetic(
  major: number,
  fields: { sysid: bigint; catversion: number; checksums: number; signed?: boolean },
): Buffer {
  const layout = CONTROL_LAYOUTS[major];
  const buf = Buffer.alloc(8192);
  buf.writeBigUInt64LE(fields.sysid, 0);
  buf.writeUInt32LE(layout.controlVersion, 8);
  buf.writeUInt32LE(fields.catversion, 12);
  buf.writeUInt32LE(1, 16); // shut down
  buf.writeBigInt64LE(1700000000n, 24);
  buf.writeBigUInt64LE(0x1500718n, 32);
  buf.writeUInt32LE(8192, 216);
  buf.writeUInt32LE(16 * 1024 * 1024, 228);
  buf.writeUInt32LE(fields.checksums, layout.dataChecksumVersion);
  if (layout.defaultCharSignedness !== undefined) buf[layout.defaultCharSignedness] = fields.signed ? 1 : 0;
  buf.writeUInt32LE(crc32c(buf.subarray(0, layout.crc)), layout.crc);
  return buf;
}

describe('crc32c', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xc1d04330],
    ['123456789', 0xe3069283],
  ])('crc32c(%j) = %s', (text, expected) => {
    expect(crc32c(Buffer.from(text))).toBe(expected);
  });
});

describe('parsePgControl', () => {
  // written by initdb of the static bundles built from the majors' real sources (storage-service flags)
  it.each([
    [14, 1300, 202107181, 0, undefined],
    [16, 1300, 202307071, 0, undefined],
    [17, 1700, 202406281, 0, undefined],
  ])(
    'reads a real pg_control written by initdb of PostgreSQL %i',
    (major, controlVersion, catalogVersion, checksums, signed) => {
      const facts = parsePgControl(
        readFileSync(join(__dirname, `../../fixtures/verify/pg_control-v${major}`)),
        major,
      );
      expect(facts).toMatchObject({
        controlVersion,
        catalogVersion,
        state: 'shut down',
        blockSize: 8192,
        walSegmentSize: 16777216,
        dataChecksumVersion: checksums,
        crcOk: true,
      });
      expect(facts.defaultCharSigned).toBe(signed);
    },
  );

  it('reads a real pg_control written by initdb of PostgreSQL 15.18', () => {
    const facts = parsePgControl(readFileSync(FIXTURE), 15);
    expect(facts).toMatchObject({
      controlVersion: 1300,
      catalogVersion: 202209061,
      state: 'shut down',
      blockSize: 8192,
      walSegmentSize: 16777216,
      dataChecksumVersion: 0,
      crcOk: true,
    });
    expect(facts.systemIdentifier).toMatch(/^\d{19}$/);
    expect(facts.checkPoint).toMatch(/^0\/[0-9A-F]+$/);
    expect(facts.defaultCharSigned).toBeUndefined();
  });

  it('detects a changed byte through the CRC', () => {
    const buf = Buffer.from(readFileSync(FIXTURE));
    buf[100] ^= 0xff;
    const facts = parsePgControl(buf, 15);
    expect(facts.crcOk).toBe(false);
    expect(facts.crcComputed).not.toBe(facts.crcStored);
  });

  it.each([
    [14, 1300, 202107181],
    [16, 1300, 202307071],
    [17, 1700, 202406281],
    [18, 1800, 202506291],
  ])('reads the v%i layout (pg_control_version %i)', (major, controlVersion, catversion) => {
    const facts = parsePgControl(
      synthetic(major, { sysid: 7312345678901234567n, catversion, checksums: 1, signed: true }),
      major,
    );
    expect(facts).toMatchObject({
      controlVersion,
      catalogVersion: catversion,
      systemIdentifier: '7312345678901234567',
      dataChecksumVersion: 1,
      crcOk: true,
      checkPoint: '0/1500718',
    });
    if (major >= 18) expect(facts.defaultCharSigned).toBe(true);
  });

  it('puts the v18 CRC 4 bytes later than v17 (default_char_signedness)', () => {
    expect(CONTROL_LAYOUTS[18].crc - CONTROL_LAYOUTS[17].crc).toBe(4);
    const v17file = synthetic(17, { sysid: 1n, catversion: 1, checksums: 0 });
    v17file.writeUInt32LE(1800, 8); // pretend to be v18: the CRC is then read from the wrong place
    expect(parsePgControl(v17file, 18).crcOk).toBe(false);
  });

  it.each<[string, Buffer, number, RegExp]>([
    [
      'a v15 file read as v18',
      readFileSync(FIXTURE),
      18,
      /pg_control_version is 1300, PostgreSQL 18 writes 1800/,
    ],
    ['a short file', Buffer.alloc(100), 15, /too short/],
    ['an unsupported version', Buffer.alloc(8192), 12, /not supported/],
  ])('rejects %s', (_name, buf, major, message) => {
    expect(() => parsePgControl(buf, major)).toThrow(ControlFileError);
    expect(() => parsePgControl(buf, major)).toThrow(message);
  });

  it('recognises a big-endian file', () => {
    const buf = Buffer.alloc(8192);
    buf.writeUInt32BE(1300, 8);
    expect(() => parsePgControl(buf, 15)).toThrow(/big-endian/);
  });
});
