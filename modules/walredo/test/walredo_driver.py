#!/usr/bin/env python3
"""Manual test driver for `postgres --wal-redo` (pg_bundle_walredo). Not part of CI.

Reads WAL segments written by the bundle's own server with wal_consistency_checking = all, so that
every record carries an after-image of each block it modifies, and replays records through the
walredo process block by block:

  B(tag), P(previous after-image of the block, unless the record initialises it or restores a
  full-page image), A(end LSN, record), G(tag) -> compared with the record's after-image after
  masking (heap: PostgreSQL's heap_mask; other resource managers: LSN, checksum, hint flags and
  unused space only, so hint-only differences of index pages show up as "masked-diff").

Also: ping, two processes side by side, and kill -9 leaving nothing in /dev/shm, SysV shared
memory or $TMPDIR. Usage:

  walredo_driver.py --postgres BIN --wal DIR --start 0/A41F6B0 --end 0/12DAB198 [--user nobody]
"""
import argparse
import collections
import os
import pwd
import signal
import struct
import subprocess
import sys
import threading
import time

BLCKSZ = 8192
XLOG_BLCKSZ = 8192
SEG_SIZE = 16 * 1024 * 1024
RM_NAMES = {0: 'XLOG', 1: 'Transaction', 2: 'Storage', 3: 'CLOG', 4: 'Database', 5: 'Tablespace',
            6: 'MultiXact', 7: 'RelMap', 8: 'Standby', 9: 'Heap2', 10: 'Heap', 11: 'Btree',
            12: 'Hash', 13: 'Gin', 14: 'Gist', 15: 'Sequence', 16: 'SPGist', 17: 'BRIN',
            18: 'CommitTs', 19: 'ReplicationOrigin', 20: 'Generic', 21: 'LogicalMessage'}
# records the storage service applies itself (never sent to walredo)
SKIP_RMGRS = {1, 2, 3, 4, 5, 6, 7, 8, 18, 19, 21}


def parse_lsn(s):
    hi, lo = s.split('/')
    return (int(hi, 16) << 32) | int(lo, 16)


def fmt_lsn(v):
    return '%X/%X' % (v >> 32, v & 0xffffffff)


def maxalign(v):
    return (v + 7) & ~7


class WalStream:
    def __init__(self, directory):
        self.segs = {}
        for name in sorted(os.listdir(directory)):
            if len(name) == 24 and all(c in '0123456789ABCDEF' for c in name):
                segno = (int(name[8:16], 16) << 8) | int(name[16:24], 16)  # 16MB segments
                with open(os.path.join(directory, name), 'rb') as f:
                    self.segs[segno] = f.read()

    def page_header_size(self, page_start):
        seg = self.segs[page_start // SEG_SIZE]
        info = struct.unpack_from('<H', seg, page_start % SEG_SIZE + 2)[0]
        return 40 if info & 0x0002 else 24

    def read(self, lsn, n):
        out = bytearray()
        while n > 0:
            if lsn % XLOG_BLCKSZ == 0:
                lsn += self.page_header_size(lsn)
            take = min(n, XLOG_BLCKSZ - lsn % XLOG_BLCKSZ)
            seg = self.segs[lsn // SEG_SIZE]
            off = lsn % SEG_SIZE
            out += seg[off:off + take]
            lsn += take
            n -= take
        return bytes(out), lsn

    def records(self, start, end):
        lsn = start
        while lsn < end:
            if lsn // SEG_SIZE not in self.segs:
                return
            if lsn % XLOG_BLCKSZ == 0:
                lsn += self.page_header_size(lsn)
            head, _ = self.read(lsn, 4)
            tot_len = struct.unpack('<I', head)[0]
            if tot_len == 0:  # rest of the segment is empty (after a switch)
                lsn = (lsn // SEG_SIZE + 1) * SEG_SIZE
                continue
            rec, after = self.read(lsn, tot_len)
            end_lsn = maxalign(after)
            yield lsn, end_lsn, rec
            lsn = end_lsn


def decode_blocks(rec):
    """Block references of a v15+ record: list of dicts (id, tag, flags, image)."""
    pos = 24
    tot = len(rec)
    blocks = []
    datatotal = 0
    rel = None
    while tot - pos > datatotal:
        bid = rec[pos]
        pos += 1
        if bid == 255:
            datatotal += rec[pos]
            pos += 1
        elif bid == 254:
            datatotal += struct.unpack_from('<I', rec, pos)[0]
            pos += 4
        elif bid == 253:
            pos += 2
        elif bid == 252:
            pos += 4
        elif bid <= 32:
            fork_flags = rec[pos]
            data_len = struct.unpack_from('<H', rec, pos + 1)[0]
            pos += 3
            b = {'id': bid, 'fork': fork_flags & 0x0F, 'flags': fork_flags, 'data_len': data_len}
            datatotal += data_len
            if fork_flags & 0x10:
                bimg_len, hole_off, bimg_info = struct.unpack_from('<HHB', rec, pos)
                pos += 5
                hole_len = 0
                if bimg_info & 0x01:
                    if bimg_info & (0x04 | 0x08 | 0x10):
                        hole_len = struct.unpack_from('<H', rec, pos)[0]
                        pos += 2
                    else:
                        hole_len = BLCKSZ - bimg_len
                b.update(bimg_len=bimg_len, hole_off=hole_off, hole_len=hole_len, bimg_info=bimg_info)
                datatotal += bimg_len
            if not fork_flags & 0x80:
                rel = struct.unpack_from('<III', rec, pos)
                pos += 12
            b['rel'] = rel
            b['blk'] = struct.unpack_from('<I', rec, pos)[0]
            pos += 4
            blocks.append(b)
        else:
            raise ValueError('bad block id %d' % bid)
    for b in blocks:  # images, then data, in block order
        if 'bimg_len' in b:
            img = rec[pos:pos + b['bimg_len']]
            pos += b['bimg_len']
            if b['bimg_info'] & (0x04 | 0x08 | 0x10):
                b['image'] = None  # compressed: not needed with wal_compression = off
            else:
                b['image'] = img[:b['hole_off']] + bytes(b['hole_len']) + img[b['hole_off']:]
        pos += b['data_len']
    return blocks


def tag_bytes(fork, rel, blk):
    return struct.pack('>BIIII', fork, rel[0], rel[1], rel[2], blk)


def page_lsn(page):
    hi, lo = struct.unpack_from('<II', page, 0)
    return (hi << 32) | lo


def msg(t, payload=b''):
    return t + struct.pack('>I', 4 + len(payload)) + payload


MASK = 0xFF


def generic_mask(page):
    p = bytearray(page)
    p[0:8] = bytes([MASK] * 8)          # pd_lsn
    p[8:10] = bytes([MASK] * 2)         # pd_checksum
    lower, upper = struct.unpack_from('<HH', p, 12)
    if 24 <= lower <= upper <= BLCKSZ:
        p[lower:upper] = bytes([MASK] * (upper - lower))
    return p


def heap_mask(page, blkno):
    p = generic_mask(page)
    flags = struct.unpack_from('<H', p, 10)[0] & ~0x0007   # PD_HAS_FREE_LINES|PAGE_FULL|ALL_VISIBLE
    struct.pack_into('<H', p, 10, flags)
    p[20:24] = bytes([MASK] * 4)        # pd_prune_xid
    lower = struct.unpack_from('<H', p, 12)[0]
    for off in range(1, (lower - 24) // 4 + 1):
        lp = struct.unpack_from('<I', p, 24 + (off - 1) * 4)[0]
        lp_off, lp_flags, lp_len = lp & 0x7FFF, (lp >> 15) & 3, lp >> 17
        if lp_flags == 1:  # LP_NORMAL
            infomask = struct.unpack_from('<H', p, lp_off + 20)[0]
            if infomask & 0x0300 == 0x0300:  # frozen
                infomask &= ~(0x0800 | 0x0400)
            else:
                infomask &= ~0xFFF0
            struct.pack_into('<H', p, lp_off + 20, infomask)
            p[lp_off + 8:lp_off + 12] = bytes([MASK] * 4)      # t_cid
            infomask2 = struct.unpack_from('<H', p, lp_off + 18)[0]
            # speculative insertion token in t_ctid
            if struct.unpack_from('<H', p, lp_off + 16)[0] == 0xFFFE:
                struct.pack_into('<HHH', p, lp_off + 12, blkno >> 16, blkno & 0xFFFF, off)
        if lp_flags in (1, 2) and lp_len > 0 or lp_flags == 3:
            if lp_len > 0:
                pad = maxalign(lp_len) - lp_len
                p[lp_off + lp_len:lp_off + lp_len + pad] = bytes([MASK] * pad)
    return p


def btree_mask(page):
    p = generic_mask(page)
    flags = struct.unpack_from('<H', p, 10)[0] & ~0x0007
    struct.pack_into('<H', p, 10, flags)
    p[20:24] = bytes([MASK] * 4)
    special = struct.unpack_from('<H', p, 16)[0]
    if special + 16 <= BLCKSZ:
        btpo_flags = struct.unpack_from('<H', p, special + 12)[0]
        if btpo_flags & 0x0001:  # BTP_LEAF: LP flags are hints
            lower = struct.unpack_from('<H', p, 12)[0]
            for off in range(1, (lower - 24) // 4 + 1):
                lp = struct.unpack_from('<I', p, 24 + (off - 1) * 4)[0]
                if (lp >> 15) & 3:
                    struct.pack_into('<I', p, 24 + (off - 1) * 4, lp & ~(3 << 15))
        struct.pack_into('<H', p, special + 12, btpo_flags & ~(0x0040 | 0x0020))  # HAS_GARBAGE, SPLIT_END
        struct.pack_into('<H', p, special + 14, 0)  # btpo_cycleid
    return p


class WalRedo:
    def __init__(self, postgres, user, extra=(), env=None):
        pw = pwd.getpwnam(user) if user else None

        def demote():
            if pw:
                os.setgid(pw.pw_gid)
                os.setgroups([])
                os.setuid(pw.pw_uid)
        self.p = subprocess.Popen([postgres, '--wal-redo', '--tenant-shard-id', 'test', *extra],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env or {}, preexec_fn=demote)

    def send(self, data):
        self.p.stdin.write(data)

    def page(self):
        self.p.stdin.flush()
        data = self.p.stdout.read(BLCKSZ)
        if len(data) != BLCKSZ:
            raise RuntimeError('walredo answered %d bytes; stderr: %s' % (len(data), self.p.stderr.read().decode()))
        return data

    def close(self):
        self.p.stdin.close()
        rc = self.p.wait(10)
        return rc, self.p.stderr.read().decode()


def leftovers(tmpdir, pid):
    """What a walredo process left: entries in its TMPDIR, SysV segments it created."""
    files = sorted(os.listdir(tmpdir))
    ipcs = subprocess.run(['ipcs', '-m', '-p'], capture_output=True, text=True).stdout.strip().splitlines()[2:]
    segs = [l for l in ipcs if len(l.split()) >= 4 and l.split()[2] == str(pid)]
    return files, segs


def run_vectors(args, wal):
    stats = collections.defaultdict(collections.Counter)
    last_image = {}
    wr = WalRedo(args.postgres, args.user)
    failures = 0
    t0 = time.time()
    requests = 0
    for start, end, rec in wal.records(parse_lsn(args.start), parse_lsn(args.end)):
        rmid = rec[17]
        info = rec[16]
        blocks = decode_blocks(rec)
        for b in blocks:
            key = (b['fork'], b['rel'], b['blk'])
            image = b.get('image')
            if rmid in SKIP_RMGRS:
                if image is not None:
                    last_image[key] = image
                continue
            name = RM_NAMES.get(rmid, str(rmid))
            if image is None:
                stats[name]['no-image'] += 1
                last_image.pop(key, None)
                continue
            apply = bool(b.get('bimg_info', 0) & 0x02)
            willinit = bool(b['flags'] & 0x40)
            base = None if (apply or willinit) else last_image.get(key)
            last_image[key] = image
            if base is None and not (apply or willinit):
                stats[name]['no-base'] += 1
                continue
            tag = tag_bytes(*key)
            out = msg(b'B', tag)
            if base is not None:
                out += msg(b'P', tag + base)
            out += msg(b'A', struct.pack('>Q', end) + rec) + msg(b'G', tag)
            wr.send(out)
            got = wr.page()
            requests += 1
            if rmid in (9, 10) and b['fork'] == 0:
                ok = heap_mask(got, b['blk']) == heap_mask(image, b['blk'])
            elif rmid == 11 and b['blk'] != 0:
                ok = btree_mask(got) == btree_mask(image)
            else:
                ok = generic_mask(got) == generic_mask(image)
            lsn_ok = page_lsn(got) in (end, page_lsn(base or bytes(8))) or image == bytes(BLCKSZ)
            if ok:
                stats[name]['passed'] += 1
            elif rmid in (9, 10):
                stats[name]['FAILED'] += 1
                failures += 1
                if failures <= 5:
                    d = next(i for i in range(BLCKSZ) if heap_mask(got, b['blk'])[i] != heap_mask(image, b['blk'])[i])
                    print('  mismatch %s rec %s..%s blk %s off %d got %s want %s' % (
                        name, fmt_lsn(start), fmt_lsn(end), key, d, got[d:d + 8].hex(), image[d:d + 8].hex()))
            else:
                stats[name]['masked-diff'] += 1
            if not lsn_ok:
                stats[name]['lsn-mismatch'] += 1
    elapsed = time.time() - t0
    rc, err = wr.close()
    return stats, failures, requests, elapsed, rc, err


def child_cpu():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--postgres', required=True)
    ap.add_argument('--wal', required=True)
    ap.add_argument('--start', required=True)
    ap.add_argument('--end', required=True)
    ap.add_argument('--user', default='nobody' if os.geteuid() == 0 else None)
    args = ap.parse_args()
    ok = True

    # ping
    wr = WalRedo(args.postgres, args.user)
    wr.send(msg(b'H'))
    ping = wr.page()
    rc, err = wr.close()
    print('ping: %s, exit %d %s' % ('zero page' if ping == bytes(BLCKSZ) else 'BAD', rc, err.strip()))
    ok &= ping == bytes(BLCKSZ) and rc == 0

    # vectors
    wal = WalStream(args.wal)
    cpu0 = child_cpu()
    stats, failures, requests, elapsed, rc, err = run_vectors(args, wal)
    cpu = child_cpu() - cpu0
    for name, c in sorted(stats.items()):
        print('  %-10s %s' % (name, dict(c)))
    print('vectors: %d requests in %.2fs wall (driver included), walredo CPU %.2fs = %.0f us per request; heap failures %d, exit %d %s' % (
        requests, elapsed, cpu, cpu / max(requests, 1) * 1e6, failures, rc, err.strip()))
    ok &= failures == 0 and rc == 0

    # side by side: two processes, interleaved requests
    results = []

    def worker():
        s, f, n, e, r, _ = run_vectors(args, wal)
        results.append((f, n, r))
    threads = [threading.Thread(target=worker) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print('side by side: %s' % results)
    ok &= all(f == 0 and r == 0 for f, _, r in results) and len(results) == 2

    # kill -9 leaves nothing behind (private TMPDIR: other processes may use /tmp meanwhile)
    tmpdir = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'pgb-walredo-killtest-%d' % os.getpid())
    os.mkdir(tmpdir)
    if args.user:
        os.chown(tmpdir, pwd.getpwnam(args.user).pw_uid, -1)
    shm_before = set(os.listdir('/dev/shm'))
    wr = WalRedo(args.postgres, args.user, env={'TMPDIR': tmpdir})
    wr.send(msg(b'H'))
    wr.page()
    wr.p.send_signal(signal.SIGKILL)
    wr.p.wait()
    files, segs = leftovers(tmpdir, wr.p.pid)
    shm_new = sorted(set(os.listdir('/dev/shm')) - shm_before)
    os.rmdir(tmpdir) if not files else None
    print('kill -9: exit %d; left in TMPDIR %s, SysV segments created by it %s; new in /dev/shm meanwhile (any process) %s' % (
        wr.p.returncode, files, segs, shm_new))
    ok &= not files and not segs and wr.p.returncode == -signal.SIGKILL

    # seccomp: a forbidden system call kills the process with SIGSYS
    wr = WalRedo(args.postgres, args.user, ['--seccomp-selftest'])
    wr.p.stdin.close()
    rc = wr.p.wait(10)
    print('seccomp self-test: exit %d (%s)' % (rc, 'SIGSYS' if rc == -signal.SIGSYS else 'NOT KILLED'))
    ok &= rc == -signal.SIGSYS

    print('RESULT: %s' % ('ok' if ok else 'FAILED'))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
