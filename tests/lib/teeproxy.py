#!/usr/bin/env python3
# teeproxy.py: a one-connection TCP proxy for tests/migrate-hosts.sh that
# records what the client sends (to replay it to the daemon later), or cuts
# the connection after so many client bytes (a truncated stream); and the
# replay itself; or that cuts the link while the client's COMMIT is in
# flight, before or after it reaches the daemon.
#   teeproxy.py proxy LISTEN_HOST:PORT TARGET_HOST:PORT RECORD [CUT_AFTER]
#       prints "listening" once it listens ("listening PORT" for port 0: the
#       one the system chose); serves one client, then exits
#   teeproxy.py commitcut LISTEN_HOST:PORT TARGET_HOST:PORT [before|after]
#       relays until the daemon's READY has reached the client, then
#       (before) forwards nothing more either way, or (after) forwards the
#       client's next message (COMMIT: two chunks, header and body), resets
#       the daemon's connection and forwards nothing more to the client:
#       a cable cut while COMMIT is in flight; prints "cut" once COMMIT's
#       first bytes have come from the client (before) or gone on (after), and
#       "READY relayed; dropped N client bytes after it" once the client
#       closes. Later connections are relayed whole (the link is back), so
#       that the client's QUERY reaches the daemon.
#   teeproxy.py send TARGET_HOST:PORT FILE
#       sends FILE's bytes, reads the answer until the server closes;
#       prints "sent N, received M"
import os
import select
import socket
import struct
import sys
import threading
import time

TIMEOUT_S = 60     # nothing in a test waits longer
BUF = 65536
# what the server sends before its first chunk: SERVER and RESULT frames
# with their 8-byte headers (docs/security.md, the handshake)
SERVER_HANDSHAKE = (8 + 184) + (8 + 33)
# a chunk carrying only a 6-byte message header (NOOP, or the header of
# READY): encoding byte, header, Poly1305 tag; READY's text comes next, in
# a longer chunk of its own (src/net/msg.c sends header and body apart)
HEADER_CHUNK = 1 + 6 + 17


def address(spec):
    host, port = spec.rsplit(":", 1)
    return host, int(port)


def pump(client, server, record, cut_after):
    """Relays both ways until either side closes or cut_after client bytes passed."""
    sent = 0
    ends = {client: server, server: client}
    while ends:
        ready, _, _ = select.select(list(ends), [], [], TIMEOUT_S)
        if not ready:
            return
        for s in ready:
            data = s.recv(BUF)
            if not data:
                return
            if s is client:
                if cut_after is not None and sent + len(data) >= cut_after:
                    data = data[:cut_after - sent]
                    server.sendall(data)
                    record.write(data)
                    return
                sent += len(data)
                record.write(data)
            ends[s].sendall(data)


def ready_seen(state, data):
    """Walks the server's bytes (handshake, then length-prefixed chunks):
    True once a chunk longer than a bare message header (READY's text) is whole."""
    state["buf"] += data
    while True:
        if state["skip"] > 0:
            take = min(state["skip"], len(state["buf"]))
            state["skip"] -= take
            state["buf"] = state["buf"][take:]
            if state["skip"] > 0:
                return False
        if len(state["buf"]) < 4:
            return False
        n = struct.unpack(">I", state["buf"][:4])[0]
        if len(state["buf"]) < 4 + n:
            return False
        state["buf"] = state["buf"][4 + n:]
        if n > HEADER_CHUNK:
            return True


def chunks_end(data, count):
    """The length of data's first count whole chunks (4-byte big-endian
    lengths), or None when they are not all there yet."""
    at = 0
    for _ in range(count):
        if len(data) < at + 4:
            return None
        at += 4 + struct.unpack(">I", data[at:at + 4])[0]
        if len(data) < at:
            return None
    return at


def reset(sock):
    """Closes sock with a reset, as a peer whose link is gone looks at once."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def commitcut(client, server, when):
    """Relays until READY has gone to the client, then cuts (module comment)."""
    state = {"buf": b"", "skip": SERVER_HANDSHAKE}
    while True:
        ready, _, _ = select.select([client, server], [], [], TIMEOUT_S)
        if not ready:
            return
        for s in ready:
            data = s.recv(BUF)
            if not data:
                return
            (server if s is client else client).sendall(data)
            if s is server and ready_seen(state, data):
                cut(client, server, when)
                return


def cut(client, server, when):
    """After READY: COMMIT through (after) or not (before), then nothing."""
    pending = b""
    if when == "after":
        while chunks_end(pending, 2) is None:
            r, _, _ = select.select([client], [], [], TIMEOUT_S)
            data = client.recv(BUF) if r else b""
            if not data:
                return
            pending += data
        end = chunks_end(pending, 2)
        server.sendall(pending[:end])
        pending = pending[end:]
        reset(server)
    else:  # COMMIT's first bytes are here (the client put its source in doubt before it sent them)
        r, _, _ = select.select([client], [], [], TIMEOUT_S)
        pending = client.recv(BUF) if r else b""
    print("cut", flush=True)
    dropped = len(pending)
    while True:  # the cable is cut: read and drop until the client goes
        r, _, _ = select.select([client], [], [], TIMEOUT_S)
        data = client.recv(BUF) if r else b""
        if not data:
            print("READY relayed; dropped %d client bytes after it" % dropped, flush=True)
            return
        dropped += len(data)


def relay_later(lsock, target):
    """Connections after the cut: each relayed whole, in a thread."""
    while True:
        try:
            client, _ = lsock.accept()
            server = socket.create_connection(address(target), timeout=TIMEOUT_S)
        except OSError:
            return
        threading.Thread(target=serve_plain, args=(client, server), daemon=True).start()


def serve_plain(client, server):
    try:
        with open(os.devnull, "wb") as sink:
            pump(client, server, sink, None)
    except OSError:
        pass
    close_both(client, server)


def close_both(client, server):
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def proxy(listen, target, path, cut_after, when=None):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(address(listen))
    lsock.listen(1)
    port = address(listen)[1]
    print("listening" if port else "listening %d" % lsock.getsockname()[1], flush=True)
    lsock.settimeout(TIMEOUT_S)
    client, _ = lsock.accept()
    server = socket.create_connection(address(target), timeout=TIMEOUT_S)
    try:
        if when is not None:
            threading.Thread(target=relay_later, args=(lsock, target), daemon=True).start()
            commitcut(client, server, when)
        else:
            with open(path, "wb") as record:
                pump(client, server, record, cut_after)
    except OSError:
        pass
    close_both(client, server)
    if when is not None:  # later connections (a QUERY) may still be under way
        time.sleep(TIMEOUT_S)


def send(target, path):
    data = open(path, "rb").read()
    s = socket.create_connection(address(target), timeout=TIMEOUT_S)
    sent = received = 0
    try:
        s.sendall(data)
        sent = len(data)
    except OSError:
        pass  # the server may close before it has read it all
    try:
        while True:
            got = s.recv(BUF)
            if not got:
                break
            received += len(got)
    except OSError:
        pass
    s.close()
    print("sent %d, received %d" % (sent, received))


def main():
    if len(sys.argv) in (5, 6) and sys.argv[1] == "proxy":
        proxy(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) == 6 else None)
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "commitcut" and sys.argv[4:] in ([], ["before"], ["after"]):
        proxy(sys.argv[2], sys.argv[3], None, None, sys.argv[4] if len(sys.argv) == 5 else "before")
    elif len(sys.argv) == 4 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: teeproxy.py proxy LISTEN TARGET RECORD [CUT_AFTER] | commitcut LISTEN TARGET [before|after] | "
                 "send TARGET FILE")


if __name__ == "__main__":
    main()
