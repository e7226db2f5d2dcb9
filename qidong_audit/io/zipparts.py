"""Parts of a zip held in memory, read straight from its bytes.

`zipfile` reads a part through a shared file object (a lock, a seek and a tell for every read) and a
ZipExtFile; for the twenty small parts of a workbook that machinery cost more than inflating them (issue 7).
`head` takes the same steps as `ZipFile.open` and `ZipExtFile.read` on slices of the bytes: the same checks
(the local header's signature and name, the flags zipfile refuses, the CRC once the end is reached), the same
reads and inflations, so the same bytes or the same error. Parts compressed any other way than stored or
deflated are read by zipfile itself.
"""

from __future__ import annotations

import struct
import zipfile
import zlib

# The local file header (APPNOTE 4.3.7): signature, versions, flags, method, time, date, CRC, sizes, name and
# extra field lengths. zipfile trusts the central directory for everything but the signature, name and lengths.
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_SIGNATURE = b"PK\x03\x04"
_UTF8_NAME = 0x800
_PATCHED, _STRONG = 0x20, 0x40
_STEP = zipfile.ZipExtFile.MIN_READ_SIZE  # the least zipfile reads, and inflates, at a time


def head(zf: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo, size: int) -> bytes:
    """The first `size` bytes of a part of `zf` (whose bytes are `data`): what `zf.open(info).read(size)`
    returns, or raises — the same steps on the same bytes, without the file objects. Fewer than `size` bytes
    means the end was reached, and then the CRC was checked."""
    if info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        with zf.open(info) as fh:
            return fh.read(size)
    flags, name, at = _local_header(data, info)
    if info.flag_bits & _PATCHED:
        raise NotImplementedError("compressed patched data (flag bit 5)")
    if info.flag_bits & _STRONG:
        raise NotImplementedError("strong encryption (flag bit 6)")
    if name.decode("utf-8" if flags & _UTF8_NAME else (zf.metadata_encoding or "cp437")) != info.orig_filename:
        raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
    if info.flag_bits & 0x1:  # zipfile would ask for a password; the container checks refuse these first
        raise RuntimeError(f"File {info!r} is encrypted, password required for extraction")
    if size <= 0:
        return b""
    # ZipExtFile.read(size), step for step, with slices of `data` for reads of its file object
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    packed_left, left, crc = info.compress_size, info.file_size, 0
    out: list[bytes] = []
    wanted, ended = size, False
    while wanted > 0 and not ended:
        chunk = inflate.unconsumed_tail if inflate is not None else b""
        if wanted > len(chunk) and packed_left > 0:
            step = min(max(wanted - len(chunk), _STEP), packed_left)
            got = data[at:at + step]
            at, packed_left = at + len(got), packed_left - len(got)
            if not got:
                raise EOFError
            chunk += got
        if inflate is not None:
            chunk = inflate.decompress(chunk, max(wanted, _STEP))
            ended = inflate.eof or (packed_left <= 0 and not inflate.unconsumed_tail)
            if ended:
                chunk += inflate.flush()
        else:
            ended = packed_left <= 0
        chunk = chunk[:left]
        left -= len(chunk)
        if left <= 0:
            ended = True
        crc = zlib.crc32(chunk, crc)
        if ended and crc != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        if wanted < len(chunk):
            out.append(chunk[:wanted])
            break
        out.append(chunk)
        wanted -= len(chunk)
    return out[0] if len(out) == 1 else b"".join(out)


def _local_header(data: bytes, info: zipfile.ZipInfo) -> tuple[int, bytes, int]:
    """(flags, the name as written, where the part's data starts) from a part's local header, read and checked
    as ZipFile.open reads and checks it."""
    at = info.header_offset
    if at < 0:  # a directory this wrong makes zipfile's seek fail (and a slice would count from the end)
        raise ValueError(f"negative seek value {at}")
    fields = data[at:at + _LOCAL.size]
    if len(fields) != _LOCAL.size:
        raise zipfile.BadZipFile("Truncated file header")
    signature, _, _, flags, _, _, _, _, _, _, name_length, extra_length = _LOCAL.unpack(fields)
    if signature != _SIGNATURE:
        raise zipfile.BadZipFile("Bad magic number for file header")
    at += _LOCAL.size
    return flags, data[at:at + name_length], at + name_length + extra_length


_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_MAX_32 = 0xFFFFFFFF


def stored_copy(zf: zipfile.ZipFile, data: bytes, read: dict[str, bytes]) -> bytes | None:
    """The zip again, with the parts already inflated (`read`: name → the whole part, as `zf.read` gives it)
    stored uncompressed, and every other part copied as it is: the same names, in the same order, with the
    same contents, CRCs and sizes. A reader handed this copy does not inflate those parts a second time
    (calamine spent ≈ 0.2 ms a workbook on it, issue 7). None where the copy cannot be made as simply
    (a part past 4 GiB, an unreadable local header): then the reader takes the original."""
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    infos = zf.infolist()
    try:
        for info in infos:
            name = info.orig_filename.encode("utf-8")
            content = read.get(info.filename)
            if content is not None and zf.getinfo(info.filename) is info:
                method, body = zipfile.ZIP_STORED, content
            else:
                at = _local_header(data, info)[2]
                method, body = info.compress_type, data[at:at + info.compress_size]
                if len(body) != info.compress_size:
                    return None
            if max(len(body), info.file_size, offset) >= _MAX_32:
                return None
            header = _LOCAL.pack(_SIGNATURE, 20, 0, _UTF8_NAME, method, 0, 0x21, info.CRC, len(body), info.file_size,
                                 len(name), 0)
            local += (header, name, body)
            central += (_CENTRAL.pack(b"PK\x01\x02", 20, 0, 20, 0, _UTF8_NAME, method, 0, 0x21, info.CRC, len(body),
                                      info.file_size, len(name), 0, 0, 0, 0, 0, offset), name)
            offset += len(header) + len(name) + len(body)
    except (zipfile.BadZipFile, ValueError, struct.error):  # an unreadable local header, a field out of range
        return None
    directory = b"".join(central)
    if offset + len(directory) >= _MAX_32 or len(infos) >= 0xFFFF:
        return None
    local += (directory, _END.pack(b"PK\x05\x06", 0, 0, len(infos), len(infos), len(directory), offset, 0))
    return b"".join(local)  # one copy of the parts, not one per concatenation
