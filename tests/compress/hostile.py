#!/usr/bin/env python3
"""hostile.py: hostile compressed checkpoint files for tests/compress.sh.

Usage: hostile.py PLAIN.ckpt COMPRESSED.ckpt DIR. The zstd frames are
made here by hand of raw and RLE blocks (the frame format, RFC 8878), so
that no zstd module is needed and a bomb costs a few kilobytes."""
import struct
import sys

plain_path, z_path, out = sys.argv[1:4]
plain = open(plain_path, 'rb').read()
z = open(z_path, 'rb').read()
SKIP_MAGIC, ZSTD_MAGIC, HEAD_LEN = 0x184D2A5D, 0xFD2FB528, 40
CK_HEADER_LEN = 74          # the plain checkpoint's header
BLOCK_MAX = 128 * 1024      # a block's most bytes (window 1 MB)


def head(size, ckid=0, digest=0):
    return struct.pack('<II8sQQQ', SKIP_MAGIC, 32, b'MIGTHRDZ', size, ckid, digest)


def frame(parts, window_byte=0x50):
    """A zstd frame (no content size, no checksum; window 2^(10 + (w >> 3)))
    of parts: bytes as raw blocks, or (byte, count) as RLE blocks."""
    blocks = []
    for p in parts:
        if isinstance(p, tuple):
            value, count = p
            while count:
                n = min(count, BLOCK_MAX)
                blocks.append((1, n, bytes([value])))
                count -= n
        else:
            for i in range(0, len(p), BLOCK_MAX):
                chunk = p[i:i + BLOCK_MAX]
                blocks.append((0, len(chunk), chunk))
    body = b''
    for i, (kind, n, data) in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        h = (n << 3) | (kind << 1) | last
        body += struct.pack('<I', h)[:3] + data
    return struct.pack('<IBB', ZSTD_MAGIC, 0, window_byte) + body


def write(name, data):
    open(f'{out}/{name}', 'wb').write(data)


size, ckid, digest = struct.unpack('<QQQ', z[16:40])
write('plainzstd.ckpt', frame([plain]))             # a zstd frame of a checkpoint, no header of ours
write('garbage.ckpt', z[:HEAD_LEN] + bytes(range(256)) * 4)
write('cut.ckpt', z[:HEAD_LEN + (len(z) - HEAD_LEN) // 2])
write('shorthead.ckpt', z[:20])
write('trailing.ckpt', z + b'after')
write('window.ckpt', z[:HEAD_LEN] + frame([plain], window_byte=17 << 3))   # 2^27
write('short.ckpt', head(size - 100, ckid, digest) + z[HEAD_LEN:])
write('long.ckpt', head(size + 100, ckid, digest) + z[HEAD_LEN:])
write('otherid.ckpt', head(size, ckid ^ 1, digest) + z[HEAD_LEN:])
# a BLOCK record that claims 1 TB, in a stream the header says is small
rec = struct.pack('<IIQ', 2, 0, 1099511627000)
body = plain[:CK_HEADER_LEN] + rec + bytes(100)
write('claim.ckpt', head(len(body)) + frame([body]))
# a decompression bomb: a record of 900 MB of zeros, its checksum wrong,
# and a header that tells the truth about the size
n = 900 << 20
rec = struct.pack('<IIQ', 2, 0, n)
total = CK_HEADER_LEN + len(rec) + n + 8
write('bomb.ckpt', head(total) + frame([plain[:CK_HEADER_LEN] + rec, (0, n), bytes(8)]))
