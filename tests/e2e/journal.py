#!/usr/bin/env python3
# journal.py SOCKET OUT - a stand-in for journald's native socket: bind a
# datagram socket at SOCKET, decode each entry of the native protocol
# (KEY=VALUE lines, or KEY, a 64-bit little-endian length, the bytes; an
# entry may also come as a sealed memfd passed with SCM_RIGHTS), and append
# it to OUT as one JSON object per line.  Values are decoded as UTF-8 with
# surrogateescape; "_binary" lists the fields sent in the length form,
# "_memfd" is true for an entry passed as a file.  A malformed entry is
# written as {"_malformed": "..."} so that a test sees it.
import array
import fcntl
import json
import os
import socket
import struct
import sys

F_GET_SEALS = 1034
SEALS = 0x1 | 0x2 | 0x4 | 0x8  # SEAL, SHRINK, GROW, WRITE


def decode(data):
    entry, binary, i = {}, [], 0
    while i < len(data):
        nl = data.find(b"\n", i)
        if nl < 0:
            raise ValueError("field without a newline at %d" % i)
        line = data[i:nl]
        eq = line.find(b"=")
        if eq >= 0:
            key, value = line[:eq], line[eq + 1:]
            i = nl + 1
        else:
            key = line
            if nl + 9 > len(data):
                raise ValueError("short length for %r" % key)
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            start = nl + 9
            if start + n >= len(data) or data[start + n:start + n + 1] != b"\n":
                raise ValueError("bad length %d for %r" % (n, key))
            value = data[start:start + n]
            binary.append(key.decode())
            i = start + n + 1
        k = key.decode("ascii")
        if not k or k[0] == "_" or not all(c.isupper() or c.isdigit() or c == "_" for c in k):
            raise ValueError("bad key %r" % k)
        entry[k] = value.decode("utf-8", "surrogateescape")
    entry["_binary"] = binary
    return entry


def main():
    path, out = sys.argv[1], sys.argv[2]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    # The event loop runs as an unprivileged user.
    os.chmod(path, 0o666)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    with open(out, "a") as f:
        f.write(json.dumps({"_listening": True}) + "\n")
        f.flush()
        while True:
            data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(4 * 8))
            memfd = False
            try:
                for level, typ, cdata in anc:
                    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                        fds = array.array("i")
                        fds.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                        for fd in fds:
                            try:
                                if data:
                                    raise ValueError("payload beside a memfd")
                                if fcntl.fcntl(fd, F_GET_SEALS) & SEALS != SEALS:
                                    raise ValueError("memfd not sealed")
                                data = os.pread(fd, os.fstat(fd).st_size, 0)
                                memfd = True
                            finally:
                                os.close(fd)
                e = decode(data)
                e["_memfd"] = memfd
            except (ValueError, UnicodeDecodeError) as err:
                e = {"_malformed": str(err)}
            f.write(json.dumps(e) + "\n")
            f.flush()


main()
