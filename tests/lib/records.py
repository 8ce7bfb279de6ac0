# The checkpoint container's record framing, walked from Python for tests
# that corrupt one record on purpose (docs/checkpoint-format.md): a file header, its
# INFO text and 24 bytes, then records of kind, flags, length, payload and
# an 8-byte checksum.
import struct

BLOCK = 2          # a record holding one saved block
RECORD_HEAD = 16   # kind (u32), flags (u32), payload length (u64)
RECORD_TAIL = 8    # checksum


def records(b):
    """Yield (index, offset, kind, payload length) of each record in b."""
    off = 16 + struct.unpack_from("<I", b, 12)[0] + 24
    i = 0
    while off + RECORD_HEAD <= len(b):
        kind, _, n = struct.unpack_from("<IIQ", b, off)
        yield i, off, kind, n
        off += RECORD_HEAD + n + RECORD_TAIL
        i += 1
