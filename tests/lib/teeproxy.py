#!/usr/bin/env python3
# teeproxy.py: a one-connection TCP proxy for tests/migrate-hosts.sh that
# records what the client sends (to replay it to the daemon later), or cuts
# the connection after so many client bytes (a truncated stream); and the
# replay itself; or that loses the client's COMMIT with the link.
#   teeproxy.py proxy LISTEN_HOST:PORT TARGET_HOST:PORT RECORD [CUT_AFTER]
#       prints "listening" once it listens; serves one client, then exits
#   teeproxy.py commitcut LISTEN_HOST:PORT TARGET_HOST:PORT
#       relays until the daemon's READY has reached the client, then
#       forwards nothing more either way (a cable cut while COMMIT is in
#       flight) until the client closes; prints what it dropped
#   teeproxy.py send TARGET_HOST:PORT FILE
#       sends FILE's bytes, reads the answer until the server closes;
#       prints "sent N, received M"
import select
import socket
import struct
import sys

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


def commitcut(client, server):
    """Relays until READY has gone to the client, then drops everything."""
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
                dropped = 0
                while True:  # the cable is cut: read and drop until the client goes
                    r, _, _ = select.select([client], [], [], TIMEOUT_S)
                    data = client.recv(BUF) if r else b""
                    if not data:
                        print("READY relayed; dropped %d client bytes after it" % dropped, flush=True)
                        return
                    dropped += len(data)


def proxy(listen, target, path, cut_after):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(address(listen))
    lsock.listen(1)
    print("listening", flush=True)
    lsock.settimeout(TIMEOUT_S)
    client, _ = lsock.accept()
    server = socket.create_connection(address(target), timeout=TIMEOUT_S)
    try:
        if path is None:
            commitcut(client, server)
        else:
            with open(path, "wb") as record:
                pump(client, server, record, cut_after)
    except OSError:
        pass
    for s in (client, server):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


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
    elif len(sys.argv) == 4 and sys.argv[1] == "commitcut":
        proxy(sys.argv[2], sys.argv[3], None, None)
    elif len(sys.argv) == 4 and sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: teeproxy.py proxy LISTEN TARGET RECORD [CUT_AFTER] | commitcut LISTEN TARGET | send TARGET FILE")


if __name__ == "__main__":
    main()
