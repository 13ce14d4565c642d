/** Restores an 8 KiB page from a block image (RestoreBlockImage in xlogreader.c). */
import { UserError } from '../../util/errors';
import { BLCKSZ } from './constants';
import { pglzDecompress } from './pglz';
import { BlockImage } from './record';

/** Whether restoreBlockImage can restore it (pglz or no compression; not lz4 or zstd). */
export function canRestore(image: BlockImage): boolean {
  return image.compression === 'none' || image.compression === 'pglz';
}

export function restoreBlockImage(image: BlockImage): Uint8Array {
  let body: Uint8Array;
  const bodyLen = BLCKSZ - image.holeLength;
  switch (image.compression) {
    case 'none':
      body = image.bytes;
      break;
    case 'pglz':
      body = pglzDecompress(image.bytes, bodyLen, true);
      break;
    default:
      throw new UserError(
        `a WAL block image is compressed with ${image.compression}, which this reader does not decompress`,
        'generate the WAL with wal_compression = off or pglz',
      );
  }
  if (body.length !== bodyLen)
    throw new Error(`block image body has ${body.length} bytes, expected ${bodyLen}`);
  const page = new Uint8Array(BLCKSZ);
  page.set(body.subarray(0, image.holeOffset), 0);
  page.set(body.subarray(image.holeOffset), image.holeOffset + image.holeLength);
  return page;
}
