"""A malicious HTTP/1.1 server on 127.0.0.1 that answers every request the same hostile way.

    python3 hostile_server.py MODE [ARGUMENT] [--canary TEXT]

It prints its port on the first line of stdout, then serves until killed. Each connection gets its own thread;
the request (line, headers, a Content-Length body) is read and thrown away, then MODE decides the answer. Every
body and header it invents carries the canary text (default CANARY-HOSTILE), so that a test can assert the client
never echoes what the server sent. Used by IntegrationTests/test_hostile_server.py against the real cfg binary, and by
the Swift transport tests (Tests/CfgHTTPTests) for the limits at and past their edge.

Modes:
  endless              200, chunked, chunks of 16 KiB forever
  huge-length          200, Content-Length: 1 TB, then bytes as fast as the client takes them
  body N               200, exactly N bytes with Content-Length: N
  chunked N            200, exactly N bytes, chunked (no length declared), in chunks of up to 1000 bytes
  short-body           200, Content-Length: 100000, then 100 bytes and the connection is closed
  long-body N          200, Content-Length: 20, then 20 bytes of JSON followed by N more bytes
  nested N             200, N times `[` (a JSON document nested N deep), with its length
  invalid-json         200, a body that is not JSON, with its length
  drip                 200, Content-Length: 1000 (under every limit), then one byte a second
  drip-headers         the status line, then one header byte a second, the header section never ends
  stall                reads the request and never answers
  redirect PORT        307 to http://127.0.0.1:PORT/ (the same path), with a small body
  header-bytes N       200 whose header section (status line to blank line included) is exactly N bytes
  header-lines N       200 with exactly N header lines (status line included, blank line not counted)
  huge-header N        200 with one header line of N bytes
"""
import socket
import sys
import threading
import time

CANARY = "CANARY-HOSTILE"


def read_request(connection):
    """Reads one request (line, headers and a Content-Length body); False when the client closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return False
        data += chunk
        if len(data) > 1 << 20:
            return False
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or b"0")
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return False
        rest += chunk
    return True


def filler(count):
    """`count` bytes of text that carry the canary."""
    unit = (CANARY + " ").encode()
    return (unit * (count // len(unit) + 1))[:count]


def head(status, fields):
    lines = ["HTTP/1.1 %s" % status] + ["%s: %s" % field for field in fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(connection, mode, argument):
    send = connection.sendall
    if mode == "endless":
        send(head("200 OK", [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]))
        chunk = filler(16384)
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        while True:
            send(frame)
    elif mode == "huge-length":
        send(head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(10**12))]))
        chunk = filler(65536)
        while True:
            send(chunk)
    elif mode == "body":
        send(head("200 OK", [("Content-Length", str(argument))]) + filler(argument))
    elif mode == "chunked":
        send(head("200 OK", [("Transfer-Encoding", "chunked")]))
        left = argument
        while left > 0:
            size = min(1000, left)
            send(b"%x\r\n%s\r\n" % (size, filler(size)))
            left -= size
        send(b"0\r\n\r\n")
    elif mode == "short-body":
        send(head("200 OK", [("Content-Type", "application/json"), ("Content-Length", "100000")]) + filler(100))
        return False
    elif mode == "long-body":
        send(head("200 OK", [("Content-Type", "application/json"), ("Content-Length", "20")]))
        send(b'{"data":{"a":"b"}}  ' + filler(argument))
    elif mode == "nested":
        body = b"[" * argument
        send(head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]) + body)
    elif mode == "invalid-json":
        body = ('{"data": {"data": "%s' % CANARY).encode()
        send(head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]) + body)
    elif mode == "next-token":
        # Every answer asks for another page: of a batch, of a version list.
        body = b'{"SecretValues":[],"Errors":[],"Versions":[],"NextToken":"again"}'
        fields = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))]
        send(head("200 OK", fields) + body)
    elif mode == "drip":
        send(head("200 OK", [("Content-Type", "application/json"), ("Content-Length", "1000")]))
        for byte in filler(1000):
            send(bytes([byte]))
            time.sleep(1)
    elif mode == "drip-headers":
        send(b"HTTP/1.1 200 OK\r\n")
        for byte in ("X-Canary: " + CANARY * 100000).encode():
            send(bytes([byte]))
            time.sleep(1)
    elif mode == "stall":
        while connection.recv(65536):
            pass
        return False
    elif mode == "redirect":
        body = b'{"errors":[]}'
        fields = [("Location", "http://127.0.0.1:%d/v1/redirected" % argument), ("Content-Length", str(len(body)))]
        send(head("307 Temporary Redirect", fields) + body)
    elif mode == "header-bytes":
        base = head("200 OK", [("Content-Length", "2"), ("X-Pad", "")])
        padding = argument - len(base)
        if padding < 0:
            raise SystemExit("header-bytes needs at least %d" % len(base))
        send(head("200 OK", [("Content-Length", "2"), ("X-Pad", filler(padding).decode())]) + b"ok")
    elif mode == "header-lines":
        fields = [("Content-Length", "2")] + [("X-Field-%d" % index, CANARY) for index in range(argument - 2)]
        send(head("200 OK", fields) + b"ok")
    elif mode == "huge-header":
        send(head("200 OK", [("Content-Length", "2"), ("X-Huge", filler(argument).decode())]) + b"ok")
    else:
        raise SystemExit("unknown mode " + mode)
    return True


def serve(connection, mode, argument):
    with connection:
        try:
            while read_request(connection):
                if not answer(connection, mode, argument):
                    break
        except OSError:
            pass


def main():
    global CANARY  # pylint: disable=global-statement
    arguments = sys.argv[1:]
    if "--canary" in arguments:
        index = arguments.index("--canary")
        CANARY = arguments[index + 1]
        del arguments[index : index + 2]
    mode = arguments[0]
    argument = int(arguments[1]) if len(arguments) > 1 else 0
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=serve, args=(connection, mode, argument), daemon=True).start()


if __name__ == "__main__":
    main()
